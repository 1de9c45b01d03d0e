import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import {
  api,
  problemText,
  type QueueItem,
  type RequestStatus,
  type Service,
  type ServiceCode,
} from '../api';
import { isRegencyWide } from '../auth';
import { STATUS_LABEL, fmtDate, fmtDateTime } from '../format';
import { kecamatanName, to, useSession } from '../session';
import { Empty, ErrorBox, Loading } from '../ui';

const STATUSES = ['SUBMITTED', 'IN_REVIEW', 'NEEDS_REVISION', 'APPROVED', 'COMPLETED', 'REJECTED', 'CANCELLED'];

/** The queue: the API's filters live in the address (so a reload keeps the place). */
export function Queue() {
  const { officer, kecamatan } = useSession();
  const loc = useLocation();
  const q = loc.query;
  const status = q.status ?? 'SUBMITTED';
  const [services, setServices] = useState<Service[]>([]);
  const [page, setPage] = useState<{ items: QueueItem[]; next: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [prev, setPrev] = useState<string[]>([]);
  const [search, setSearch] = useState('');
  /** A yes/no filter of the address, as the API takes it. */
  const flag = (name: string) => (q[name] === 'true' ? true : undefined);

  useEffect(() => {
    api()
      .GET('/services')
      .then(({ data }) => setServices(data ?? []));
  }, []);

  async function load() {
    setLoading(true);
    setError(null);
    const { data, error, response } = await api().GET('/requests', {
      params: {
        query: {
          status: status as RequestStatus,
          service: (q.service || undefined) as ServiceCode | undefined,
          kecamatan: q.kecamatan || undefined,
          overdue: flag('overdue'),
          waiting: flag('waiting'),
          unanswered: flag('unanswered'),
          deadline: (q.deadline || undefined) as 'due_soon' | 'missed' | undefined,
          escalated: flag('escalated'),
          order: (q.order as 'oldest' | 'newest') || undefined,
          cursor: q.cursor || undefined,
          limit: 50,
        },
      },
    });
    setLoading(false);
    if (error || !data) {
      setError(problemText(error, response.status));
      return;
    }
    setPage({ items: data.items, next: data.next_cursor ?? null });
  }

  useEffect(() => {
    load();
  }, [loc.url]);

  /** A yes/no filter as a checkbox. */
  const check = (name: string, label: string) => (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={flag(name) === true}
        onChange={(e) => setFilter(name, e.currentTarget.checked ? 'true' : '')}
      />
      {label}
    </label>
  );

  function setFilter(name: string, value: string) {
    const next = new URLSearchParams({ ...q, [name]: value });
    if (!value) next.delete(name);
    next.delete('cursor');
    setPrev([]);
    loc.route(`${to('/')}?${next}`);
  }

  function goCursor(cursor: string | null, back: boolean) {
    const next = new URLSearchParams(q);
    if (cursor) next.set('cursor', cursor);
    else next.delete('cursor');
    if (back) setPrev(prev.slice(0, -1));
    else setPrev([...prev, q.cursor ?? '']);
    loc.route(`${to('/')}?${next}`);
  }

  async function claim(item: QueueItem) {
    setNotice(null);
    const { error, response } = await api().POST('/requests/{ticket}/actions', {
      params: { path: { ticket: item.ticket } },
      body: { action: 'claim', expected_version: item.version },
    });
    if (error) {
      setNotice(
        response.status === 409
          ? `Tiket ${item.ticket} sudah diubah petugas lain. Daftar dimuat ulang.`
          : problemText(error, response.status),
      );
    } else {
      setNotice(`Tiket ${item.ticket} sudah diambil.`);
    }
    load();
  }

  const shown = page?.items ?? [];
  const limited = !isRegencyWide(officer);

  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Antrean permohonan</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const t = search.trim().toUpperCase();
          if (t) loc.route(to(`/permohonan/${encodeURIComponent(t)}`));
        }}
      >
        <label>
          Cari tiket
          <input
            name="ticket"
            placeholder="ABCD-EFGH"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Buka</button>
      </form>
      <fieldset class="filters">
        <legend>Saring</legend>
        <label>
          Status
          <select name="status" value={status} onChange={(e) => setFilter('status', e.currentTarget.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s] ?? s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Layanan
          <select name="service" value={q.service ?? ''} onChange={(e) => setFilter('service', e.currentTarget.value)}>
            <option value="">Semua layanan</option>
            {services.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kecamatan
          <select
            name="kecamatan"
            value={q.kecamatan ?? ''}
            onChange={(e) => setFilter('kecamatan', e.currentTarget.value)}
          >
            {limited ? (
              <option value="">{kecamatanName(kecamatan, officer.kecamatan)}</option>
            ) : (
              <>
                <option value="">Semua kecamatan</option>
                {kecamatan.map((k) => (
                  <option key={k.code} value={k.code}>
                    {k.name}
                  </option>
                ))}
              </>
            )}
          </select>
        </label>
        <label>
          Urutan
          <select name="order" value={q.order ?? 'oldest'} onChange={(e) => setFilter('order', e.currentTarget.value)}>
            <option value="oldest">Terlama dulu</option>
            <option value="newest">Terbaru dulu</option>
          </select>
        </label>
        {check('overdue', 'Lewat batas waktu')}
        {check('waiting', 'Menunggu warga')}
        {check('unanswered', 'Pesan warga belum dibalas')}
        <label>
          Batas waktu aduan
          <select
            name="deadline"
            value={q.deadline ?? ''}
            onChange={(e) => setFilter('deadline', e.currentTarget.value)}
          >
            <option value="">Semua</option>
            <option value="due_soon">Segera jatuh tempo</option>
            <option value="missed">Terlewat</option>
          </select>
        </label>
        {check('escalated', 'Diteruskan warga ke pimpinan')}
        <button type="button" onClick={load} disabled={loading}>
          Muat ulang
        </button>
      </fieldset>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error && <ErrorBox message={error} retry={load} />}
      {!page && !error && <Loading what="antrean" />}
      {page && shown.length === 0 && (
        <Empty>Tidak ada permohonan dengan saringan ini. Ubah saringan atau muat ulang nanti.</Empty>
      )}
      {page && shown.length > 0 && (
        <div class="table-wrap">
          <table class="queue" aria-busy={loading}>
            <caption class="sr-only">Permohonan, {shown.length} di halaman ini</caption>
            <thead>
              <tr>
                <th scope="col">Tiket</th>
                <th scope="col">Layanan</th>
                <th scope="col">Pemohon</th>
                <th scope="col">Kecamatan</th>
                <th scope="col">Status</th>
                <th scope="col">Diajukan</th>
                <th scope="col">Batas</th>
                <th scope="col">Tanda</th>
                <th scope="col">Petugas</th>
                <th scope="col">
                  <span class="sr-only">Tindakan</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((i) => (
                <tr key={i.ticket} data-ticket={i.ticket}>
                  <td>
                    <a href={to(`/permohonan/${i.ticket}`)}>{i.ticket}</a>
                  </td>
                  <td>{i.service_name}</td>
                  <td>
                    {i.applicant ? (
                      <>
                        {i.applicant.name}
                        <br />
                        <small>{i.applicant.nik_masked}</small>
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td>{kecamatanName(kecamatan, i.applicant?.kecamatan)}</td>
                  <td>{STATUS_LABEL[i.status] ?? i.status}</td>
                  <td>{fmtDateTime(i.submitted_at ?? i.created_at)}</td>
                  <td>{fmtDate(i.due_date)}</td>
                  <td>
                    {i.overdue && <span class="flag late">Lewat batas</span>}
                    {i.complaint_deadlines?.flag === 'missed' && (
                      <span class="flag late">Batas aduan terlewat</span>
                    )}
                    {i.complaint_deadlines?.flag === 'due_soon' && (
                      <span class="flag">Batas aduan segera</span>
                    )}
                    {i.complaint_deadlines?.escalated_at && (
                      <span class="flag late">Diteruskan ke pimpinan</span>
                    )}
                    {i.waiting_for_resident && <span class="flag">Menunggu warga</span>}
                    {i.unanswered_messages > 0 && (
                      <span class="flag msg">{i.unanswered_messages} pesan baru</span>
                    )}
                  </td>
                  <td>{i.assigned_to ?? '–'}</td>
                  <td>
                    {i.status === 'SUBMITTED' && !i.assigned_to && (
                      <button type="button" onClick={() => claim(i)} aria-label={`Ambil ${i.ticket}`}>
                        Ambil
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Halaman">
        <button type="button" disabled={prev.length === 0} onClick={() => goCursor(prev[prev.length - 1] || null, true)}>
          Sebelumnya
        </button>
        <button type="button" disabled={!page?.next} onClick={() => goCursor(page?.next ?? null, false)}>
          Berikutnya
        </button>
      </nav>
    </section>
  );
}
