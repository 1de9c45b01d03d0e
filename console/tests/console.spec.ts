import { expect, test, type Page } from '@playwright/test';
import { submitBirth, uniqueResident } from './resident.mjs';
import { expectAccessible, screenshot, signIn, stackBase } from './helpers';

const NIK = '1708014508900001';

async function openTicket(page: Page, ticket: string) {
  await page.goto(`./permohonan/${ticket}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(ticket);
}

/** Reloads the request page until its status reads `label` (the stream and S3 events are async). */
async function waitForStatus(page: Page, label: string) {
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('status')).toHaveText(label, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
}

test('an officer works a request end to end through the console', async ({ page, baseURL }) => {
  // Several asynchronous hops (stream, S3 events, delivery): room for a slow, busy machine.
  test.setTimeout(150_000);
  const base = stackBase(baseURL);
  const { resident, child } = uniqueResident(base);
  const ticket = await submitBirth(resident, { name: 'Siti Aminah', nik: NIK, kecamatan: '170804', child });

  await signIn(page, 'petugas-e2e', 'petugas', '*');
  // The queue: the new request, claimed from the list.
  const row = page.locator(`tr[data-ticket="${ticket}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('Siti Aminah');
  await expect(row).toContainText('1708********0001');
  await screenshot(page, 'antrean');
  await row.getByRole('button', { name: `Ambil ${ticket}` }).click();
  await expect(page.getByRole('status')).toContainText(`Tiket ${ticket} sudah diambil`);

  // The request: NIK masked, scans previewed once the documents function stored them.
  // Claimed, it left the SUBMITTED queue: found by the ticket search.
  await expect(row).toHaveCount(0);
  await page.getByLabel('Cari tiket').fill(ticket.toLowerCase());
  await page.getByRole('button', { name: 'Buka' }).click();
  await expect(page.getByTestId('status')).toHaveText('Diperiksa');
  await expect(page.getByTestId('nik')).toContainText('1708********0001');
  // The whole NIK on request only, and the reveal is in the history.
  await page.getByRole('button', { name: 'Tampilkan NIK' }).click();
  await expect(page.getByTestId('nik')).toContainText(NIK);
  await page.reload();
  await expect(page.locator('.timeline')).toContainText('NIK ditampilkan');
  await expect(async () => {
    await page.reload();
    await expect(page.locator('li[data-slot="kk"] img.scan')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  // The preview is the audited presigned GET: it serves the scan's bytes (a JPEG).
  const src = await page.locator('li[data-slot="kk"] img.scan').getAttribute('src');
  const scan = Buffer.from(await (await fetch(src!)).arrayBuffer());
  expect(scan.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  await expect
    .poll(() => page.locator('li[data-slot="kk"] img.scan').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(240);

  // A message to the resident, through the thread.
  await page.getByLabel('Balas ke warga').fill('Mohon ditunggu, Bapak/Ibu, berkas sedang kami periksa.');
  await page.getByRole('button', { name: 'Kirim', exact: true }).click();
  await expect(page.locator('.thread')).toContainText('berkas sedang kami periksa');
  await expect.poll(async () => (await resident.outbox()).some((m: any) => JSON.stringify(m.body).includes('berkas sedang kami periksa'))).toBe(true);
  await screenshot(page, 'permohonan');

  // A revision of the KK scan, with its reason, confirmed in the dialog.
  await page.getByRole('button', { name: 'Minta perbaikan' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Kartu Keluarga (KK)', { exact: true }).check();
  await dialog.getByLabel('Alasan untuk Kartu Keluarga (KK)').fill('Foto KK buram');
  await screenshot(page, 'minta-perbaikan');
  await dialog.getByRole('button', { name: 'Minta perbaikan' }).click();
  await expect(page.getByTestId('status')).toHaveText('Perlu perbaikan');
  await expect.poll(async () => (await resident.outbox()).some((m: any) => JSON.stringify(m.body).includes('Foto KK buram'))).toBe(true);

  // The resident sends the KK again and resubmits, over the webhook.
  await resident.photo(4242);
  // The bot takes the resubmission once the new scan is validated (until then it asks to wait).
  await expect
    .poll(async () => (await resident.pressTitled('Kirim perbaikan')).join('\n'), { timeout: 30_000, intervals: [1_000] })
    .toContain('kembali masuk antrean');
  await waitForStatus(page, 'Diajukan');

  // Claimed again if the queue gave it back, then approved.
  if (await page.getByRole('button', { name: 'Ambil', exact: true }).isVisible()) {
    await page.getByRole('button', { name: 'Ambil', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Ambil' }).click();
    await expect(page.getByTestId('status')).toHaveText('Diperiksa');
  }
  await page.getByRole('button', { name: 'Setujui' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Setujui' }).click();
  await expect(page.getByTestId('status')).toHaveText('Disetujui');

  // The result: a wrong type is refused before any upload; the PDF goes to the presigned URL.
  const upload = page.getByLabel('Pilih berkas hasil');
  await upload.setInputFiles({ name: 'catatan.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await expect(page.getByRole('alert')).toContainText('PDF, JPEG, atau PNG');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
  await upload.setInputFiles({ name: 'akta-kelahiran.pdf', mimeType: 'application/pdf', buffer: pdf });
  await expect(page.getByText('Dokumen hasil terunggah')).toBeVisible();
  await page.getByRole('heading', { name: 'Unggah dokumen hasil' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'unggah-hasil');

  // Validated, delivered: the resident's WhatsApp has the document, and the request is done.
  await expect
    .poll(async () => (await resident.outbox()).some((m: any) => m.body?.type === 'document'), { timeout: 30_000 })
    .toBe(true);
  await waitForStatus(page, 'Selesai');
});

test('an officer of one kecamatan sees only its requests', async ({ page, baseURL }) => {
  const base = stackBase(baseURL);
  const a = uniqueResident(base);
  const b = uniqueResident(base);
  const inside = await submitBirth(a.resident, { name: 'Rina Wati', nik: NIK, kecamatan: '170801', child: a.child });
  const outside = await submitBirth(b.resident, { name: 'Dewi Sari', nik: NIK, kecamatan: '170804', child: b.child });

  await signIn(page, 'petugas-bermani', 'petugas', '170801');
  await expect(page.locator(`tr[data-ticket="${inside}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-ticket="${outside}"]`)).toHaveCount(0);
  await expect(page.getByLabel('Kecamatan').locator('option')).toHaveText(['Bermani Ilir']);
  // Opening the other one directly is refused by the API, and said so.
  await openTicketExpectingRefusal(page, outside);
});

async function openTicketExpectingRefusal(page: Page, ticket: string) {
  await page.goto(`./permohonan/${ticket}`);
  await expect(page.getByRole('alert')).toContainText('Tidak diizinkan');
}

test('a petugas sees no supervisor controls; a supervisor does', async ({ page }) => {
  await signIn(page, 'petugas-biasa', 'petugas', '*');
  const nav = page.getByRole('navigation', { name: 'Menu utama' });
  await expect(nav.getByRole('link', { name: 'Antrean' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Layanan' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Warga' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Keluar' }).click();

  await signIn(page, 'supervisor-1', 'supervisor', '*');
  await expect(nav.getByRole('link', { name: 'Layanan' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Warga' })).toBeVisible();
  await nav.getByRole('link', { name: 'Layanan' }).click();
  await expect(page.getByRole('button', { name: 'Simpan' }).first()).toBeVisible();
});

test('a version conflict between two sessions is explained', async ({ browser, baseURL }) => {
  const base = stackBase(baseURL);
  const { resident, child } = uniqueResident(base);
  const ticket = await submitBirth(resident, { name: 'Ani Lestari', nik: NIK, kecamatan: '170804', child });
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
  await signIn(first, 'petugas-satu', 'petugas', '*');
  await signIn(second, 'petugas-dua', 'petugas', '*');
  await openTicket(first, ticket);
  await openTicket(second, ticket);
  await first.getByRole('button', { name: 'Ambil', exact: true }).click();
  await first.getByRole('dialog').getByRole('button', { name: 'Ambil' }).click();
  await expect(first.getByTestId('status')).toHaveText('Diperiksa');
  // The second session still shows version n: its claim is refused with who and when.
  await second.getByRole('button', { name: 'Ambil', exact: true }).click();
  await second.getByRole('dialog').getByRole('button', { name: 'Ambil' }).click();
  await expect(second.getByTestId('conflict')).toContainText('diubah oleh petugas-satu pada');
  await screenshot(second, 'konflik-versi');
  await second.getByTestId('conflict').getByRole('button', { name: 'Muat ulang' }).click();
  await expect(second.getByTestId('status')).toHaveText('Diperiksa');
});

test('every page has no serious or critical accessibility violation', async ({ page, baseURL }) => {
  const base = stackBase(baseURL);
  const { resident, child } = uniqueResident(base);
  const ticket = await submitBirth(resident, { name: 'Maya Sari', nik: NIK, kecamatan: '170804', child });
  await page.goto('./');
  await expect(page.getByLabel('Wilayah kerja').locator('option')).not.toHaveCount(1);
  await expectAccessible(page, 'masuk');
  await screenshot(page, 'masuk');
  await signIn(page, 'supervisor-axe', 'supervisor', '*');
  await expect(page.locator(`tr[data-ticket="${ticket}"]`)).toBeVisible();
  await expectAccessible(page, 'antrean');
  await openTicket(page, ticket);
  await expect(page.getByRole('heading', { name: 'Dokumen' })).toBeVisible();
  await expectAccessible(page, 'permohonan');
  for (const [link, heading, shot] of [
    ['Statistik', 'Statistik', 'statistik'],
    ['Janji temu', 'Janji temu', 'janji-temu'],
    ['Layanan', 'Layanan', 'layanan'],
    ['Warga', 'Data warga', 'warga'],
    ['Pesan gagal', 'Pesan gagal diproses', 'pesan-gagal'],
  ]) {
    await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: link }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(page.locator('.state[role=status]')).toHaveCount(0);
    if (link === 'Statistik') await expect(page.locator('figure .uplot')).toBeVisible();
    await expectAccessible(page, link);
    await screenshot(page, shot);
  }
  // A tablet held upright, and a small one: the pages fit their width (wide tables scroll inside
  // their box; at 600 px the queue's table always must).
  const pages = ['./', `./permohonan/${ticket}`, './statistik'];
  for (const [width, path] of [820, 600].flatMap((w) => pages.map((p) => [w, p] as const))) {
    await page.setViewportSize({ width, height: 1180 });
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    if (path === './') await expect(page.locator(`tr[data-ticket="${ticket}"]`)).toBeVisible();
    const { overflow, wide } = await page.evaluate(() => {
      const root = document.documentElement;
      // What sticks out past the viewport, outside boxes that scroll: named in the failure.
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
        // Inside a scrolling box only what escapes its clipping (positioned out of it) counts.
        .filter(
          (el) =>
            !el.parentElement?.closest('.table-wrap') ||
            ['absolute', 'fixed'].includes(getComputedStyle(el).position),
        )
        .slice(0, 8)
        .map((el) => {
          const name = el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ +/g, '.') : '');
          const right = Math.round(el.getBoundingClientRect().right);
          return `${name} right=${right} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
        });
      return { overflow: root.scrollWidth - root.clientWidth, wide };
    });
    expect(overflow, `horizontal overflow on ${path} at ${width} px: ${wide.join('; ')}`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.goto('./');
  await expect(page.locator(`tr[data-ticket="${ticket}"]`)).toBeVisible();
  await screenshot(page, 'antrean-tablet');
});
