import { useEffect, useRef, useState } from 'preact/hooks';
import { api, problemText, type ActionBody } from '../api';
import type { components } from '../api/schema';
import { ACTION_LABEL, HISTORY_LABEL, STATUS_LABEL, fmtDate, fmtDateTime } from '../format';
import { kecamatanName, useSession } from '../session';
import { Confirm, Empty, ErrorBox, Loading } from '../ui';

type Detail = components['schemas']['Detail'] & {
  slots?: { slot: string; document_id: string }[];
  due_date?: string | null;
  submitted_at?: string | null;
  event_date?: string | null;
  assigned_to?: string | null;
};
type Doc = {
  doc_state?: string;
  document?: { document_id: string; slot: string; state: string; content_type?: string; created_at?: string };
};
type HistoryEvent = {
  at: string;
  actor: string;
  role: string;
  action: string;
  from_status?: string;
  to_status?: string;
  reason?: string;
};

/** A slot as the resident was asked for it (the API's `slot_labels`), else its id. */
function slotName(d: { slot_labels?: Record<string, string> }, slot: string): string {
  return d.slot_labels?.[slot] ?? slot;
}

/** The resident's phone, masked like the failed-messages list (`wa:6281****7890`). */
function maskResident(r: string): string {
  const m = r.match(/^(wa:)?(\d+)$/);
  if (!m) return r.replace(/.(?=.{4})/g, '*');
  const d = m[2];
  return `${m[1] ?? ''}${d.slice(0, 4)}${'*'.repeat(Math.max(d.length - 8, 0))}${d.slice(-4)}`;
}

export function RequestPage({ ticket }: { ticket: string }) {
  const { officer } = useSession();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function load() {
    setError(null);
    const { data, error, response } = await api().GET('/requests/{ticket}', {
      params: { path: { ticket } },
    });
    if (error || !data) {
      setError(problemText(error, response.status));
      return null;
    }
    setDetail(data as Detail);
    return data as Detail;
  }

  useEffect(() => {
    setDetail(null);
    setConflict(null);
    load();
  }, [ticket]);

  /** A 409 on an action: who changed the request since it was loaded, and when. */
  async function explainConflict() {
    const fresh = await load();
    // The latest change by someone else: reads (of the request, of a scan) change nothing.
    const last = (fresh?.history as unknown as HistoryEvent[] | undefined)
      ?.filter((h) => !['read', 'document_read'].includes(h.action) && h.actor !== officer.sub)
      .at(-1);
    setConflict(
      last
        ? `Permohonan ini sudah diubah oleh ${last.actor} pada ${fmtDateTime(last.at)}. Muat ulang lalu periksa lagi sebelum bertindak.`
        : 'Permohonan ini sudah diubah orang lain. Muat ulang lalu periksa lagi sebelum bertindak.',
    );
  }

  if (error) return <ErrorBox message={error} retry={load} />;
  if (!detail) return <Loading what={`permohonan ${ticket}`} />;
  const d = detail;
  return (
    <article aria-labelledby="req-title">
      <h1 id="req-title">
        {d.ticket} · {d.service_name}
      </h1>
      <p class="status-line">
        <span class={`status s-${d.status}`} data-testid="status">
          {STATUS_LABEL[d.status] ?? d.status}
        </span>{' '}
        versi {d.version}
        {d.assigned_to && <> · ditangani {d.assigned_to}</>}
        {d.overdue && <span class="flag late">Lewat batas</span>}
        {d.late_report && <span class="flag late">Terlambat lapor</span>}
        {d.waiting_for_resident && <span class="flag">Menunggu warga</span>}
        {d.nik_from_elsewhere && <span class="flag">NIK dari luar daerah</span>}
      </p>
      {conflict && (
        <div class="error" role="alert" data-testid="conflict">
          <p>{conflict}</p>
          <button
            type="button"
            onClick={() => {
              setConflict(null);
              load();
            }}
          >
            Muat ulang
          </button>
        </div>
      )}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {d.result_undelivered && (
        <p class="error" role="alert">
          Dokumen hasil belum terkirim ke warga: {d.result_undelivered}
        </p>
      )}
      <Actions
        detail={d}
        onDone={(text) => {
          setNotice(text);
          load();
        }}
        onConflict={explainConflict}
      />
      <div class="grid">
        <Applicant d={d} />
        <Thread d={d} onSent={load} />
      </div>
      <Documents d={d} />
      {d.status === 'APPROVED' && <ResultUpload ticket={d.ticket} onUploaded={load} />}
      <div class="grid">
        <Timeline events={d.history as unknown as HistoryEvent[]} />
        <Notifications d={d} />
      </div>
    </article>
  );
}

function Applicant({ d }: { d: Detail }) {
  const { kecamatan } = useSession();
  // The whole NIK only on request: each reveal is recorded in the request's history.
  const [nik, setNik] = useState<string | null>(null);
  const [nikError, setNikError] = useState<string | null>(null);
  async function reveal() {
    setNikError(null);
    const { data, error, response } = await api().POST('/requests/{ticket}/nik', {
      params: { path: { ticket: d.ticket } },
    });
    if (error || !data) setNikError(problemText(error, response.status));
    else setNik(data.nik);
  }
  return (
    <section aria-labelledby="applicant-title" class="card">
      <h2 id="applicant-title">Pemohon</h2>
      <dl>
        <dt>Nama</dt>
        <dd>{d.applicant?.name ?? '–'}</dd>
        <dt>NIK</dt>
        <dd data-testid="nik">
          {nik ?? d.applicant?.nik_masked ?? '–'}
          {d.applicant && !nik && (
            <>
              {' '}
              <button type="button" class="link" onClick={reveal}>
                Tampilkan NIK
              </button>
              <small> (tercatat di riwayat)</small>
            </>
          )}
          {nikError && <span role="alert"> {nikError}</span>}
        </dd>
        <dt>Kecamatan</dt>
        <dd>{kecamatanName(kecamatan, d.applicant?.kecamatan)}</dd>
        <dt>WhatsApp</dt>
        <dd>{maskResident(d.resident)}</dd>
        <dt>Diajukan</dt>
        <dd>{fmtDateTime(d.submitted_at ?? d.created_at)}</dd>
        <dt>Batas selesai</dt>
        <dd>{fmtDate(d.due_date)}</dd>
        {d.event_date && (
          <>
            <dt>Tanggal peristiwa</dt>
            <dd>{fmtDate(d.event_date)}</dd>
          </>
        )}
        {(d.answers ?? []).map((a) => (
          <>
            <dt>{a.field}</dt>
            <dd>{a.value}</dd>
          </>
        ))}
      </dl>
      {d.revision && (
        <div>
          <h3>Perbaikan diminta {fmtDateTime(d.revision.requested_at)}</h3>
          <ul>
            {(d.revision.items as unknown as { slot: string; reason: string }[]).map((i) => (
              <li key={i.slot}>
                {slotName(d, i.slot)}: {i.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function Preview({ ticket, doc }: { ticket: string; doc: string }) {
  const [grant, setGrant] = useState<{ url: string; type: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Each preview is a fresh presigned GET: the read is audited on the request.
    api()
      .GET('/requests/{ticket}/documents/{document}', { params: { path: { ticket, document: doc } } })
      .then(({ data, error, response }) => {
        if (error || !data) setError(problemText(error, response.status));
        else setGrant({ url: data.download.url, type: data.content_type ?? '' });
      });
  }, [ticket, doc]);
  if (error) return <p class="state">Pratinjau tidak tersedia: {error}</p>;
  if (!grant) return <Loading what="pratinjau" />;
  if (grant.type === 'application/pdf') {
    return (
      <object data={grant.url} type="application/pdf" class="pdf" aria-label="Pratinjau PDF">
        <a href={grant.url} target="_blank" rel="noopener">
          Buka PDF
        </a>
      </object>
    );
  }
  return <img src={grant.url} alt="Pindaian dokumen" class="scan" loading="lazy" />;
}

const DOC_STATE: Record<string, string> = {
  PENDING_FETCH: 'Sedang diambil dari WhatsApp',
  PENDING_UPLOAD: 'Menunggu unggahan',
  STORED: 'Tersimpan',
  REJECTED: 'Ditolak saat diperiksa',
  FAILED: 'Gagal diambil',
};

function Documents({ d }: { d: Detail }) {
  const docs = (d.documents as Doc[]).map((x) => x.document).filter((x) => !!x);
  return (
    <section aria-labelledby="docs-title" class="card">
      <h2 id="docs-title">Dokumen</h2>
      {docs.length === 0 && <Empty>Belum ada dokumen.</Empty>}
      <ul class="docs">
        {docs.map((doc) => (
          <li key={doc.document_id} data-slot={doc.slot}>
            <h3>{slotName(d, doc.slot)}</h3>
            <p>
              {DOC_STATE[doc.state] ?? doc.state}
              {doc.created_at && <> · {fmtDateTime(doc.created_at)}</>}
            </p>
            {doc.state === 'STORED' && <Preview ticket={d.ticket} doc={doc.document_id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Timeline({ events }: { events: HistoryEvent[] }) {
  return (
    <section aria-labelledby="history-title" class="card">
      <h2 id="history-title">Riwayat</h2>
      <ol class="timeline">
        {events.map((e, n) => (
          <li key={n}>
            <time dateTime={e.at}>{fmtDateTime(e.at)}</time>{' '}
            <strong>{HISTORY_LABEL[e.action] ?? e.action}</strong> oleh {e.role === 'resident' ? 'warga' : e.actor}
            {e.to_status && <> → {STATUS_LABEL[e.to_status] ?? e.to_status}</>}
            {e.reason && <> ({e.reason})</>}
          </li>
        ))}
      </ol>
    </section>
  );
}

const DELIVERY: Record<string, string> = { SENT: 'Terkirim', FAILED: 'Gagal', RETRYING: 'Dicoba lagi' };

function Notifications({ d }: { d: Detail }) {
  const list = d.notifications as {
    notification_id: string;
    at: string;
    cause: string;
    via: string;
    state: string;
    attempts: number;
    error?: string;
  }[];
  return (
    <section aria-labelledby="notif-title" class="card">
      <h2 id="notif-title">Notifikasi ke warga</h2>
      {list.length === 0 && <Empty>Belum ada notifikasi.</Empty>}
      <ul>
        {list.map((n) => (
          <li key={n.notification_id}>
            {fmtDateTime(n.at)} · {n.cause} lewat {n.via}:{' '}
            <span class={`delivery d-${n.state}`}>{DELIVERY[n.state] ?? n.state}</span>
            {n.attempts > 1 && <> ({n.attempts} percobaan)</>}
            {n.error && <> – {n.error}</>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Thread({ d, onSent }: { d: Detail; onSent: () => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const messages = d.messages as unknown as { message_id: string; at: string; author: string; actor: string; text: string }[];
  async function send(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const { error, response } = await api().POST('/requests/{ticket}/messages', {
      params: { path: { ticket: d.ticket } },
      body: { text: text.trim() },
    });
    setBusy(false);
    if (error) setError(problemText(error, response.status));
    else {
      setText('');
      onSent();
    }
  }
  return (
    <section aria-labelledby="thread-title" class="card">
      <h2 id="thread-title">Percakapan</h2>
      {messages.length === 0 && <Empty>Belum ada pesan.</Empty>}
      <ol class="thread">
        {messages.map((m) => (
          <li key={m.message_id} class={m.author === 'resident' ? 'in' : 'out'}>
            <small>
              {m.author === 'resident' ? 'Warga' : m.actor} · {fmtDateTime(m.at)}
            </small>
            <p>{m.text}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={send}>
        <label for="reply">Balas ke warga</label>
        <textarea
          id="reply"
          maxLength={3500}
          rows={3}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        {error && <ErrorBox message={error} />}
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          {busy ? 'Mengirim…' : 'Kirim'}
        </button>
      </form>
    </section>
  );
}

function Actions(props: { detail: Detail; onDone: (text: string) => void; onConflict: () => void }) {
  const d = props.detail;
  const [open, setOpen] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [items, setItems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const slots = [...(d.slots ?? []).map((s) => s.slot), 'lainnya'];
  if (d.allowed_actions.length === 0) return null;

  async function act() {
    if (!open) return;
    setBusy(true);
    setError(null);
    // The spec ties each action to what it needs (a reason to reject, items to ask for a revision).
    const expected_version = d.version;
    const body: ActionBody =
      open === 'reject'
        ? { action: 'reject', expected_version, reason: reason.trim() }
        : open === 'request_revision'
          ? {
              action: 'request_revision',
              expected_version,
              items: Object.entries(items).map(([slot, why]) => ({ slot, reason: why.trim() })),
            }
          : { action: open as 'claim' | 'release' | 'approve' | 'complete', expected_version };
    const { data, error, response } = await api().POST('/requests/{ticket}/actions', {
      params: { path: { ticket: d.ticket } },
      body,
    });
    setBusy(false);
    if (response.status === 409) {
      setOpen(null);
      props.onConflict();
      return;
    }
    if (error || !data) {
      setError(problemText(error, response.status));
      return;
    }
    const label = ACTION_LABEL[open] ?? open;
    setOpen(null);
    setReason('');
    setItems({});
    props.onDone(`${label}: berhasil. Status sekarang ${STATUS_LABEL[data.status] ?? data.status}.`);
  }

  const ready =
    open === 'reject'
      ? reason.trim().length > 0
      : open === 'request_revision'
        ? Object.keys(items).length > 0 && Object.values(items).every((r) => r.trim())
        : true;

  return (
    <section aria-label="Tindakan" class="actions">
      {d.allowed_actions.map((a) => (
        <button
          key={a}
          type="button"
          class={a === 'reject' ? 'danger' : 'primary'}
          onClick={() => {
            setError(null);
            setOpen(a);
          }}
        >
          {ACTION_LABEL[a] ?? a}
        </button>
      ))}
      {open && (
        <Confirm
          title={`${ACTION_LABEL[open] ?? open} ${d.ticket}?`}
          confirmLabel={ACTION_LABEL[open] ?? open}
          danger={open === 'reject'}
          busy={busy}
          disabled={!ready}
          onConfirm={act}
          onCancel={() => setOpen(null)}
        >
          {open === 'reject' && (
            <label>
              Alasan penolakan (dikirim ke warga)
              <textarea name="reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </label>
          )}
          {open === 'request_revision' && (
            <fieldset>
              <legend>Dokumen yang harus diperbaiki, dengan alasannya</legend>
              {slots.map((slot) => (
                <div key={slot} class="revision-item">
                  <label class="check">
                    <input
                      type="checkbox"
                      name={`slot-${slot}`}
                      checked={slot in items}
                      onChange={(e) => {
                        const next = { ...items };
                        if (e.currentTarget.checked) next[slot] = '';
                        else delete next[slot];
                        setItems(next);
                      }}
                    />
                    {slotName(d, slot)}
                  </label>
                  {slot in items && (
                    <label>
                      Alasan untuk {slotName(d, slot)}
                      <input
                        name={`reason-${slot}`}
                        required
                        value={items[slot]}
                        onInput={(e) => setItems({ ...items, [slot]: e.currentTarget.value })}
                      />
                    </label>
                  )}
                </div>
              ))}
            </fieldset>
          )}
          {!['reject', 'request_revision'].includes(open) && <p>Tindakan ini dicatat dan warga diberi tahu.</p>}
          {error && <ErrorBox message={error} />}
        </Confirm>
      )}
    </section>
  );
}

const LIMITS: Record<string, number> = {
  'application/pdf': 100 * 1024 * 1024,
  'image/jpeg': 5 * 1024 * 1024,
  'image/png': 5 * 1024 * 1024,
};

/** The finished document: checked here first, then PUT straight to the presigned URL. */
function ResultUpload({ ticket, onUploaded }: { ticket: string; onUploaded: () => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function upload(file: File) {
    setError(null);
    setDone(false);
    const limit = LIMITS[file.type];
    if (!limit) return setError('Jenis berkas harus PDF, JPEG, atau PNG.');
    if (file.size === 0) return setError('Berkas kosong.');
    if (file.size > limit) return setError(`Berkas terlalu besar (maksimal ${limit / 1024 / 1024} MB untuk jenis ini).`);
    const { data, error, response } = await api().POST('/requests/{ticket}/documents', {
      params: { path: { ticket } },
      body: {
        slot: 'result',
        content_type: file.type as 'application/pdf',
        content_length: file.size,
        filename: file.name,
      },
    });
    if (error || !data) return setError(problemText(error, response.status));
    setProgress(0);
    const grant = data.upload;
    const ok = await new Promise<boolean>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(grant.method, grant.url);
      // Every signed header exactly as given (content type, tags, If-None-Match: *); the browser
      // sets Host and Content-Length itself, from the URL and the file.
      for (const [k, v] of Object.entries(grant.headers as Record<string, string>)) {
        if (!['host', 'content-length'].includes(k.toLowerCase())) xhr.setRequestHeader(k, v);
      }
      xhr.upload.onprogress = (e) => e.lengthComputable && setProgress(Math.round((e.loaded / e.total) * 100));
      xhr.onload = () => resolve(xhr.status >= 200 && xhr.status < 300);
      xhr.onerror = () => resolve(false);
      xhr.send(file);
    });
    setProgress(null);
    if (!ok) return setError('Unggahan gagal. Coba lagi.');
    setDone(true);
    onUploaded();
  }

  return (
    <section aria-labelledby="upload-title" class="card">
      <h2 id="upload-title">Unggah dokumen hasil</h2>
      <div
        class={`drop ${over ? 'over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer?.files[0];
          if (f) upload(f);
        }}
      >
        <p>Tarik berkas PDF/JPEG/PNG ke sini, atau</p>
        <label>
          Pilih berkas hasil
          <input
            ref={input}
            type="file"
            name="result"
            accept="application/pdf,image/jpeg,image/png"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) upload(f);
            }}
          />
        </label>
      </div>
      {progress !== null && (
        <progress max={100} value={progress} aria-label="Kemajuan unggahan">
          {progress}%
        </progress>
      )}
      {done && (
        <p class="notice" role="status">
          Dokumen hasil terunggah. Setelah diperiksa, dokumen dikirim ke warga.
        </p>
      )}
      {error && <ErrorBox message={error} />}
    </section>
  );
}
