// The first load's JavaScript, gzipped, must stay within 120 KB: every script and module preload
// index.html names (the whole graph loaded before the app shows anything).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const LIMIT = 120 * 1024;
const html = readFileSync('dist/index.html', 'utf8');
const files = [...html.matchAll(/(?:src|href)="([^"]+\.js)"/g)].map((m) => m[1]);
if (files.length === 0) {
  console.error('error: dist/index.html names no script');
  process.exit(1);
}
const base = process.env.CONSOLE_BASE ?? '/console/';
let total = 0;
for (const f of files) {
  const bytes = readFileSync(`dist/${f.startsWith(base) ? f.slice(base.length) : f}`);
  total += gzipSync(bytes, { level: 9 }).length;
}
const kb = (total / 1024).toFixed(1);
if (total > LIMIT) {
  console.error(`error: first load ships ${kb} KB of gzipped JS (${files.length} files), over the 120 KB budget`);
  process.exit(1);
}
console.log(`first load: ${kb} KB of gzipped JS in ${files.length} file(s) (budget 120 KB)`);
