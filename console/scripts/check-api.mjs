// Fails when src/api/schema.d.ts is not what docs/openapi.yaml generates now (`npm run gen:api`
// regenerates it): the console's types and the API contract cannot drift apart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'console-api-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  execFileSync('npx', ['openapi-typescript', '../docs/openapi.yaml', '-o', fresh], { stdio: 'ignore' });
  if (readFileSync(fresh, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
    console.error('error: console/src/api/schema.d.ts is stale: run `npm run gen:api` in console/ and commit it');
    process.exit(1);
  }
  console.log('console API types match docs/openapi.yaml');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
