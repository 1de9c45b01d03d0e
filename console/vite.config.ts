import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Served at /console/ by the local stack; the deployed distribution serves it at its root
// (`CONSOLE_BASE=/ npm run build`, done by `make deploy-console`).
export default defineConfig({
  base: process.env.CONSOLE_BASE ?? '/console/',
  plugins: [preact()],
  build: { target: 'es2020', sourcemap: false },
});
