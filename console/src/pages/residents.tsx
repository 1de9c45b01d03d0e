import { useState } from 'preact/hooks';
import { api, problemText } from '../api';
import { fmtDateTime } from '../format';
import { Confirm, ErrorBox } from '../ui';

/** A resident's data: export (right of access) and erasure (right of erasure), supervisors only. */
export function Residents() {
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [erasing, setErasing] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const digits = phone.replace(/\D/g, '');
  const resident = `wa:${digits}`;
  const valid = digits.length >= 8;

  async function exportData() {
    setError(null);
    const { data, error, response } = await api().GET('/residents/{resident}/export', {
      params: { path: { resident } },
    });
    if (error || !data) return setError(problemText(error, response.status));
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `data-warga-${digits}.json` });
    a.click();
    URL.revokeObjectURL(url);
    setNotice(`Data diekspor: ${data.requests.length} permohonan.`);
  }

  async function erase() {
    setBusy(true);
    const { data, error, response } = await api().POST('/residents/{resident}/erase', {
      params: { path: { resident } },
    });
    setBusy(false);
    setErasing(false);
    setTyped('');
    if (error || !data) return setError(problemText(error, response.status));
    setNotice(
      `Data warga dihapus pada ${fmtDateTime(data.erased_at)}: ${data.erased_requests} permohonan` +
        (data.erased_tickets.length ? ` (${data.erased_tickets.join(', ')})` : '') +
        (data.object_deletion === 'scheduled' ? '; berkas dihapus sebentar lagi.' : '.'),
    );
  }

  return (
    <section aria-labelledby="res-title">
      <h1 id="res-title">Data warga</h1>
      <p>Ekspor atau hapus seluruh data seorang warga atas permintaannya (UU PDP).</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Nomor WhatsApp warga
          <input
            name="phone"
            inputMode="numeric"
            placeholder="6281234567890"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
        </label>
        <button type="button" disabled={!valid} onClick={exportData}>
          Ekspor data
        </button>
        <button type="button" class="danger" disabled={!valid} onClick={() => setErasing(true)}>
          Hapus data…
        </button>
      </form>
      {error && <ErrorBox message={error} />}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {erasing && (
        <Confirm
          title="Hapus seluruh data warga ini?"
          confirmLabel="Hapus permanen"
          danger
          busy={busy}
          disabled={typed.replace(/\D/g, '') !== digits}
          onConfirm={erase}
          onCancel={() => setErasing(false)}
        >
          <p>Permohonan, percakapan, dan berkas warga ini dihapus dan tidak dapat dikembalikan.</p>
          <label>
            Ketik ulang nomornya untuk memastikan
            <input name="confirm-phone" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </label>
        </Confirm>
      )}
    </section>
  );
}
