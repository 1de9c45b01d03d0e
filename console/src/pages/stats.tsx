import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, problemText } from '../api';
import type { components } from '../api/schema';
import { STATUS_LABEL, fmtDate, jakartaDay } from '../format';
import { ErrorBox, Loading } from '../ui';

type Stats = {
  from: string;
  to: string;
  total: number;
  by_status: Record<string, number>;
  by_service: Record<string, number>;
  overdue: number;
  overdue_by_service: Record<string, number>;
  completed: number;
  completion_hours_median: number | null;
  completion_hours_p90: number | null;
  complaints: {
    filed: number;
    handled: Milestone;
    answered: Milestone;
    closed: Milestone;
    first_answer_hours_median: number | null;
    escalated: number;
  };
  survey: {
    offered: number;
    declined: number;
    respondents: number;
    element_means: Record<string, number | null>;
    ikm: number | null;
    grade: string | null;
    performance: string | null;
    by_service: Record<string, { respondents: number; ikm: number | null; grade: string | null }>;
  };
};
type Milestone = components['schemas']['MilestoneStats'];

/** The survey's nine elements as the regulation names them (U1-U9). */
const ELEMENT_NAMES: Record<string, string> = {
  U1: 'Persyaratan',
  U2: 'Prosedur',
  U3: 'Waktu penyelesaian',
  U4: 'Biaya/tarif',
  U5: 'Produk layanan',
  U6: 'Kompetensi pelaksana',
  U7: 'Perilaku pelaksana',
  U8: 'Penanganan pengaduan',
  U9: 'Sarana dan prasarana',
};

const share = (m: Milestone) => (m.on_time_share === null ? '–' : `${Math.round(m.on_time_share * 100)}%`);

const DAY = 86_400_000;
const WEEKS = 6;

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  URL.revokeObjectURL(url);
}

const csvCell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;

/** Counts for a range, and the last weeks side by side. */
export function Stats() {
  const today = jakartaDay(new Date());
  const [from, setFrom] = useState(jakartaDay(new Date(Date.now() - 29 * DAY)));
  const [to, setTo] = useState(today);
  const [stats, setStats] = useState<Stats | null>(null);
  const [weeks, setWeeks] = useState<Stats[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function get(f: string, t: string): Promise<Stats> {
    const { data, error, response } = await api().GET('/stats', { params: { query: { from: f, to: t } } });
    if (error || !data) throw new Error(problemText(error, response.status));
    return data as Stats;
  }

  async function load() {
    setError(null);
    try {
      setStats(await get(from, to));
      const now = Date.now();
      const ranges = Array.from({ length: WEEKS }, (_, i) => {
        const end = now - (WEEKS - 1 - i) * 7 * DAY;
        return [jakartaDay(new Date(end - 6 * DAY)), jakartaDay(new Date(end))] as const;
      });
      setWeeks(await Promise.all(ranges.map(([f, t]) => get(f, t))));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  useEffect(() => {
    load();
  }, []);

  function exportCsv() {
    if (!stats) return;
    const rows: unknown[][] = [['kelompok', 'kunci', 'jumlah']];
    for (const [k, v] of Object.entries(stats.by_status)) rows.push(['status', k, v]);
    for (const [k, v] of Object.entries(stats.by_service)) rows.push(['layanan', k, v]);
    for (const [k, v] of Object.entries(stats.overdue_by_service)) rows.push(['lewat_batas', k, v]);
    rows.push(['ringkasan', 'total', stats.total]);
    rows.push(['ringkasan', 'selesai', stats.completed]);
    rows.push(['ringkasan', 'lewat_batas', stats.overdue]);
    rows.push(['ringkasan', 'median_jam_selesai', stats.completion_hours_median ?? '']);
    rows.push(['ringkasan', 'p90_jam_selesai', stats.completion_hours_p90 ?? '']);
    download(`statistik-${stats.from}-${stats.to}.csv`, rows.map((r) => r.map(csvCell).join(',')).join('\r\n'));
  }

  return (
    <section aria-labelledby="stats-title">
      <h1 id="stats-title">Statistik</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
      >
        <label>
          Dari
          <input type="date" name="from" value={from} max={to} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          Sampai
          <input type="date" name="to" value={to} max={today} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit">Tampilkan</button>
        <button type="button" onClick={exportCsv} disabled={!stats}>
          Unduh CSV
        </button>
      </form>
      {error && <ErrorBox message={error} retry={load} />}
      {!stats && !error && <Loading what="statistik" />}
      {stats && (
        <>
          <dl class="summary">
            <div>
              <dt>Total</dt>
              <dd>{stats.total}</dd>
            </div>
            <div>
              <dt>Selesai</dt>
              <dd>{stats.completed}</dd>
            </div>
            <div>
              <dt>Lewat batas</dt>
              <dd>{stats.overdue}</dd>
            </div>
            <div>
              <dt>Median waktu selesai</dt>
              <dd>{stats.completion_hours_median === null ? '–' : `${stats.completion_hours_median.toFixed(1)} jam`}</dd>
            </div>
            <div>
              <dt>P90 waktu selesai</dt>
              <dd>{stats.completion_hours_p90 === null ? '–' : `${stats.completion_hours_p90.toFixed(1)} jam`}</dd>
            </div>
          </dl>
          {weeks && <WeeklyChart weeks={weeks} />}
          <div class="grid">
            <CountTable caption="Per status" rows={stats.by_status} label={(k) => STATUS_LABEL[k] ?? k} />
            <CountTable caption="Per layanan" rows={stats.by_service} extra={stats.overdue_by_service} />
          </div>
          <Complaints c={stats.complaints} />
          <Survey s={stats.survey} from={stats.from} to={stats.to} />
          <p>
            Rentang {fmtDate(stats.from)} – {fmtDate(stats.to)} (hari kalender WIB).
          </p>
        </>
      )}
    </section>
  );
}

/** Complaints against their deadlines (handled 3, answered 5, closed 10 working days). */
function Complaints({ c }: { c: Stats['complaints'] }) {
  return (
    <table>
      <caption>
        Aduan: {c.filed} diterima, {c.escalated} diteruskan warga ke pimpinan; median jawaban pertama{' '}
        {c.first_answer_hours_median === null ? '–' : `${c.first_answer_hours_median.toFixed(1)} jam`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Batas waktu</th>
          <th scope="col">Tepat waktu</th>
          <th scope="col">Terlambat</th>
          <th scope="col">Terlewat</th>
          <th scope="col">Tepat waktu (%)</th>
        </tr>
      </thead>
      <tbody>
        {(
          [
            ['Ditindaklanjuti (3 hari kerja)', c.handled],
            ['Dijawab (5 hari kerja)', c.answered],
            ['Diselesaikan (10 hari kerja)', c.closed],
          ] as const
        ).map(([name, m]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{m.on_time}</td>
            <td>{m.late}</td>
            <td>{m.missed}</td>
            <td>{share(m)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The satisfaction survey (SKM): the index, each element, per service, and the office's CSV. */
function Survey({ s, from, to }: { s: Stats['survey']; from: string; to: string }) {
  const [error, setError] = useState<string | null>(null);
  async function report() {
    setError(null);
    const { data, error, response } = await api().GET('/stats/survey', {
      params: { query: { from, to } },
      parseAs: 'text',
    });
    if (error || data === undefined) setError(problemText(error, response.status));
    else download(`skm-${from}-${to}.csv`, data as unknown as string);
  }
  return (
    <section aria-labelledby="skm-title">
      <h2 id="skm-title">Survei kepuasan masyarakat (SKM)</h2>
      <p>
        IKM <strong>{s.ikm === null ? '–' : s.ikm.toFixed(2)}</strong>
        {s.grade && (
          <>
            {' '}
            (mutu {s.grade}, {s.performance})
          </>
        )}{' '}
        dari {s.respondents} responden; ditawarkan {s.offered}, ditolak {s.declined}.{' '}
        <button type="button" onClick={report}>
          Unduh tabulasi SKM (CSV)
        </button>
      </p>
      {error && <ErrorBox message={error} retry={report} />}
      <div class="grid">
        <table>
          <caption>Nilai rata-rata per unsur (1–4)</caption>
          <thead>
            <tr>
              <th scope="col">Unsur</th>
              <th scope="col">Nilai</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(s.element_means).map(([code, mean]) => (
              <tr key={code}>
                <th scope="row">
                  {code} {ELEMENT_NAMES[code] ?? ''}
                </th>
                <td>{mean === null ? '–' : mean.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table>
          <caption>IKM per layanan</caption>
          <thead>
            <tr>
              <th scope="col">Layanan</th>
              <th scope="col">Responden</th>
              <th scope="col">IKM</th>
            </tr>
          </thead>
          <tbody>
            {Object.keys(s.by_service).length === 0 && (
              <tr>
                <td colSpan={3}>Belum ada responden pada rentang ini.</td>
              </tr>
            )}
            {Object.entries(s.by_service).map(([code, v]) => (
              <tr key={code}>
                <th scope="row">{code}</th>
                <td>{v.respondents}</td>
                <td>
                  {v.ikm === null ? '–' : v.ikm.toFixed(2)} {v.grade ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CountTable(props: {
  caption: string;
  rows: Record<string, number>;
  extra?: Record<string, number>;
  label?: (k: string) => string;
}) {
  const entries = Object.entries(props.rows);
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Nama</th>
          <th scope="col">Jumlah</th>
          {props.extra && <th scope="col">Lewat batas</th>}
        </tr>
      </thead>
      <tbody>
        {entries.length === 0 && (
          <tr>
            <td colSpan={3}>Belum ada permohonan pada rentang ini.</td>
          </tr>
        )}
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{props.label ? props.label(k) : k}</th>
            <td>{v}</td>
            {props.extra && <td>{props.extra[k] ?? 0}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Total, completed and overdue per week (uPlot), with the same figures as a table. */
function WeeklyChart({ weeks }: { weeks: Stats[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const xs = weeks.map((_, i) => i);
    const plot = new uPlot(
      {
        width: Math.min(el.current.clientWidth || 640, 900),
        height: 240,
        scales: { x: { time: false } },
        axes: [
          { values: (_u, ticks) => ticks.map((t) => (weeks[t] ? fmtDate(weeks[t].to) : '')) },
          {},
        ],
        series: [
          {},
          { label: 'Total', stroke: '#1d4ed8', width: 2 },
          { label: 'Selesai', stroke: '#15803d', width: 2 },
          { label: 'Lewat batas', stroke: '#b91c1c', width: 2 },
        ],
      },
      [xs, weeks.map((w) => w.total), weeks.map((w) => w.completed), weeks.map((w) => w.overdue)],
      el.current,
    );
    return () => plot.destroy();
  }, [weeks]);
  return (
    <figure>
      <figcaption>Per minggu ({weeks.length} minggu terakhir)</figcaption>
      <div ref={el} role="img" aria-label="Grafik jumlah permohonan per minggu; angkanya ada di tabel di bawah" />
      <table>
        <caption class="sr-only">Per minggu</caption>
        <thead>
          <tr>
            <th scope="col">Minggu sampai</th>
            <th scope="col">Total</th>
            <th scope="col">Selesai</th>
            <th scope="col">Lewat batas</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w.to}>
              <th scope="row">{fmtDate(w.to)}</th>
              <td>{w.total}</td>
              <td>{w.completed}</td>
              <td>{w.overdue}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
