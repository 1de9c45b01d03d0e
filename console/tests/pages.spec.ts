import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { submitBirth, uniqueResident } from './resident.mjs';
import { signIn, stackBase } from './helpers';

test('the queue pages with the cursor and keeps its place in the address', async ({ page }) => {
  await signIn(page, 'petugas-paging', 'petugas', '*');
  const seen: (string | null)[] = [];
  // Two pages as GET /requests answers them (served by Playwright): the cursor goes back to it.
  await page.route('**/requests?*', (route) => {
    const cursor = new URL(route.request().url()).searchParams.get('cursor');
    seen.push(cursor);
    const page2 = cursor === 'c2';
    const ticket = page2 ? 'PAGE-TWOO' : 'PAGE-ONEE';
    route.fulfill({
      json: {
        items: [{
          ticket, service: 'BIRTH', service_name: 'Akta Kelahiran', status: 'SUBMITTED', version: 1,
          created_at: '2026-12-01T02:00:00Z', overdue: false, waiting_for_resident: false,
          unanswered_messages: 0, applicant: null,
        }],
        next_cursor: page2 ? null : 'c2',
      },
    });
  });
  await page.getByRole('button', { name: 'Muat ulang' }).click();
  await expect(page.locator('tr[data-ticket="PAGE-ONEE"]')).toBeVisible();
  await page.getByRole('button', { name: 'Berikutnya' }).click();
  await expect(page.locator('tr[data-ticket="PAGE-TWOO"]')).toBeVisible();
  expect(page.url()).toContain('cursor=c2');
  await expect(page.getByRole('button', { name: 'Berikutnya' })).toBeDisabled();
  // "Muat ulang" asks for the same page again.
  await page.getByRole('button', { name: 'Muat ulang' }).click();
  await expect.poll(() => seen.at(-1)).toBe('c2');
  await page.getByRole('button', { name: 'Sebelumnya' }).click();
  await expect(page.locator('tr[data-ticket="PAGE-ONEE"]')).toBeVisible();
  expect(page.url()).not.toContain('cursor=');
});

test('statistics export as CSV', async ({ page }) => {
  await signIn(page, 'petugas-stat', 'petugas', '*');
  await page.getByRole('link', { name: 'Statistik' }).click();
  await expect(page.locator('figure .uplot')).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Unduh CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^statistik-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('"kelompok","kunci","jumlah"');
  expect(csv).toMatch(/"ringkasan","total","\d+"/);

  // The satisfaction survey's tabulation, as the API writes it for the office's SKM report.
  await expect(page.getByRole('heading', { name: 'Survei kepuasan masyarakat (SKM)' })).toBeVisible();
  await expect(page.getByRole('table', { name: /Nilai rata-rata per unsur/ })).toContainText('U9 Sarana dan prasarana');
  const [skm] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Unduh tabulasi SKM (CSV)' }).click(),
  ]);
  expect(skm.suggestedFilename()).toMatch(/^skm-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const tabulation = readFileSync((await skm.path())!, 'utf8');
  expect(tabulation.split('\r\n')[0]).toBe('No,Layanan,Tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9');
  expect(tabulation).toContain('"IKM unit pelayanan (x 25)"');
  await expect(page.getByRole('table', { name: /Aduan:/ })).toContainText('Dijawab (5 hari kerja)');
});

test('a supervisor changes a service and its notice', async ({ page }) => {
  await signIn(page, 'supervisor-layanan', 'supervisor', '*');
  await page.getByRole('link', { name: 'Layanan' }).click();
  const row = page.locator('tr[data-service="BIRTH"]');
  await row.getByRole('textbox').fill('Pelayanan akta kelahiran tutup sementara.');
  await row.getByRole('checkbox').uncheck();
  await row.getByRole('button', { name: 'Simpan' }).click();
  await expect(row).toContainText('supervisor-layanan');
  await expect(row.getByRole('checkbox')).not.toBeChecked();
  // Back as it was, for the other tests' residents.
  await row.getByRole('checkbox').check();
  await row.getByRole('textbox').fill('');
  await row.getByRole('button', { name: 'Simpan' }).click();
  await expect(row.getByRole('checkbox')).toBeChecked();
});

test("a supervisor exports a resident's data, then erases it after typing the number", async ({ page, baseURL }) => {
  const { resident, child } = uniqueResident(stackBase(baseURL));
  const ticket = await submitBirth(resident, { name: 'Lina Marlina', nik: '1708014508900001', kecamatan: '170804', child });
  await signIn(page, 'supervisor-warga', 'supervisor', '*');
  await page.getByRole('link', { name: 'Warga' }).click();
  await page.getByLabel('Nomor WhatsApp warga').fill(resident.phone);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Ekspor data' }).click(),
  ]);
  expect(readFileSync((await download.path())!, 'utf8')).toContain(ticket);
  await page.getByRole('button', { name: 'Hapus data…' }).click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: 'Hapus permanen' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Ketik ulang nomornya').fill('6280000000000');
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Ketik ulang nomornya').fill(resident.phone);
  await confirm.click();
  await expect(page.getByRole('status')).toContainText(`1 permohonan (${ticket})`);
  await page.goto(`./permohonan/${ticket}`);
  await expect(page.getByRole('alert')).toContainText('Tidak ditemukan');
});

test('a supervisor opens appointment slots; a petugas sees them without editing', async ({ page, browser, baseURL }) => {
  await signIn(page, 'supervisor-jadwal', 'supervisor', '*');
  await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: 'Janji temu' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Janji temu' })).toBeVisible();
  await page.getByRole('button', { name: 'Tambah slot' }).click();
  await page.getByLabel('Jam mulai slot 1').fill('08:00');
  await page.getByLabel('Kapasitas slot 1').fill('12');
  await page.getByRole('button', { name: 'Tambah slot' }).click();
  await page.getByLabel('Jam mulai slot 2').fill('10:30');
  await page.getByLabel('Kapasitas slot 2').fill('8');
  await page.getByRole('button', { name: 'Simpan jadwal' }).click();
  await expect(page.getByRole('status')).toHaveText('Jadwal tersimpan.');
  await expect(page.getByRole('table', { name: /Daftar hadir/ })).toContainText('Belum ada janji temu');

  // A capacity the API refuses is explained, not hidden.
  await page.getByLabel('Kapasitas slot 2').fill('500');
  await page.getByRole('button', { name: 'Simpan jadwal' }).click();
  await expect(page.getByRole('alert')).toContainText('Jadwal belum tersimpan');

  const petugas = await browser.newPage({ baseURL });
  await signIn(petugas, 'petugas-jadwal', 'petugas', '*');
  await petugas.goto('./janji-temu');
  const slots = petugas.getByRole('table', { name: /^Slot/ });
  await expect(slots).toContainText('08:00');
  await expect(slots).toContainText('10:30');
  await expect(petugas.getByRole('button', { name: 'Simpan jadwal' })).toHaveCount(0);
  await petugas.close();
});
