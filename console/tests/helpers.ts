import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';

/** The stack's origin (the API, webhook and /_local routes), from the console's address. */
export function stackBase(baseURL: string | undefined): string {
  return new URL(baseURL ?? 'http://127.0.0.1:3000/console/').origin;
}

/** Signs in through the local sign-in page as the given officer. */
export async function signIn(page: Page, sub: string, group: 'petugas' | 'supervisor', kecamatan: string) {
  await page.goto('./');
  await page.getByLabel('ID petugas').fill(sub);
  await page.getByLabel('Kelompok').selectOption(group);
  // The list comes from GET /office: wait until it is there.
  await expect(page.getByLabel('Wilayah kerja').locator('option')).not.toHaveCount(1);
  await page.getByLabel('Wilayah kerja').selectOption(kecamatan);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await expect(page.getByTestId('officer')).toContainText(sub);
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe on ${what}`,
  ).toEqual([]);
}

/** `make console-screenshots` sets CONSOLE_SCREENSHOTS: the viewport of each page into docs/console/. */
export async function screenshot(page: Page, name: string) {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png` });
}
