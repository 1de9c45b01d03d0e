import { defineConfig } from '@playwright/test';

// Run by infra/console-test.sh against a local stack it started (CONSOLE_URL), in Debian's
// chromium (Playwright's own browser builds cannot be downloaded here).
export default defineConfig({
  testDir: 'tests',
  testMatch: /.*\.spec\.ts/,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.CONSOLE_URL ?? 'http://127.0.0.1:3000/console/',
    viewport: { width: 1280, height: 800 },
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' },
  },
});
