import { useEffect, useState } from 'preact/hooks';
import { api, problemText } from '../api';
import type { components } from '../api/schema';
import { isRegencyWide, isSupervisor } from '../auth';
import { fmtDate, fmtDateTime, jakartaDay } from '../format';
import { to, useSession } from '../session';
import { Empty, ErrorBox, Loading } from '../ui';

type Slot = components['schemas']['AppointmentSlots']['slots'][number];
type Appointment = components['schemas']['Appointment'];
type Place = { id: string; name: string };

const ATTENDANCE: Record<string, string> = {
  BOOKED: 'Terjadwal',
  ARRIVED: 'Hadir',
  NO_SHOW: 'Tidak hadir',
};

/**
 * Appointments (KTP-el recording, card collection): a day's slots at a place, published by a
 * regency-wide supervisor, and the day's list where officers mark arrivals.
 */
export function Appointments() {
  const { officer } = useSession();
  const today = jakartaDay(new Date());
  const [places, setPlaces] = useState<Place[] | null>(null);
  const [date, setDate] = useState(today);
  const [place, setPlace] = useState('office');
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [list, setList] = useState<Appointment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [serviceNames, setServiceNames] = useState<Record<string, string>>({});
  const canPublish = isSupervisor(officer) && isRegencyWide(officer);

  useEffect(() => {
    api()
      .GET('/services')
      .then(({ data }) => setServiceNames(Object.fromEntries((data ?? []).map((s) => [s.code, s.name]))));
    // The office and its service points (a point is named by the first kecamatan it serves);
    // a kecamatan officer works the office's counter and their own point's, as the API allows.
    const works = (codes: string[]) => isRegencyWide(officer) || codes.includes(officer.kecamatan ?? '');
    api()
      .GET('/office')
      .then(({ data }) =>
        setPlaces([
          { id: 'office', name: `Kantor (${data?.name ?? 'Disdukcapil'})` },
          ...(data?.service_points ?? [])
            .filter((p) => p.kecamatan.length > 0 && works(p.kecamatan.map((k) => k.code)))
            .map((p) => ({ id: p.kecamatan[0].code, name: p.name })),
        ]),
      )
      .catch(() => setPlaces([{ id: 'office', name: 'Kantor' }]));
  }, []);

  async function load() {
    setError(null);
    const query = { date, place };
    const [s, a] = await Promise.all([
      api().GET('/appointment-slots', { params: { query } }),
      api().GET('/appointments', { params: { query } }),
    ]);
    if (s.error || !s.data) return setError(problemText(s.error, s.response.status));
    if (a.error || !a.data) return setError(problemText(a.error, a.response.status));
    setSlots(s.data.slots);
    setList(a.data.appointments);
  }

  useEffect(() => {
    setSlots(null);
    setList(null);
    load();
  }, [date, place]);

  async function arrived(code: string) {
    setError(null);
    const { error, response } = await api().POST('/appointments/{code}/arrived', {
      params: { path: { code } },
    });
    if (error) return setError(problemText(error, response.status));
    load();
  }

  return (
    <section aria-labelledby="appt-title">
      <h1 id="appt-title">Janji temu</h1>
      <div class="filters">
        <label>
          Tanggal
          <input type="date" name="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
        </label>
        <label>
          Tempat
          <select name="place" value={place} onChange={(e) => setPlace(e.currentTarget.value)}>
            {(places ?? [{ id: 'office', name: 'Kantor' }]).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={load}>
          Muat ulang
        </button>
      </div>
      {error && <ErrorBox message={error} retry={load} />}
      {!slots && !error && <Loading what="jadwal" />}
      {slots && (
        <SlotEditor
          key={`${date}|${place}`}
          date={date}
          place={place}
          slots={slots}
          editable={canPublish && date >= today}
          onSaved={load}
        />
      )}
      {list && (
        <table>
          <caption>Daftar hadir {fmtDate(date)}</caption>
          <thead>
            <tr>
              <th scope="col">Jam</th>
              <th scope="col">Kode</th>
              <th scope="col">Tiket</th>
              <th scope="col">Layanan</th>
              <th scope="col">Pemohon</th>
              <th scope="col">Kehadiran</th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={6}>Belum ada janji temu pada hari dan tempat ini.</td>
              </tr>
            )}
            {list.map((a) => (
              <tr key={a.code} data-code={a.code}>
                <td>{a.start}</td>
                <td>
                  <strong>{a.code}</strong>
                </td>
                <td>
                  <a href={to(`/permohonan/${a.ticket}`)}>{a.ticket}</a>
                </td>
                <td>{serviceNames[a.service] ?? a.service}</td>
                <td>{a.applicant}</td>
                <td>
                  {ATTENDANCE[a.attendance] ?? a.attendance}
                  {a.arrived_at && <> ({fmtDateTime(a.arrived_at)})</>}
                  {a.attendance === 'BOOKED' && date === today && (
                    <>
                      {' '}
                      <button type="button" onClick={() => arrived(a.code)}>
                        Tandai hadir
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The day's slots; a regency-wide supervisor edits times and capacities and publishes them. */
function SlotEditor(props: {
  date: string;
  place: string;
  slots: Slot[];
  editable: boolean;
  onSaved: () => void;
}) {
  const [rows, setRows] = useState(props.slots.map((s) => ({ start: s.start, capacity: String(s.capacity) })));
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const booked = Object.fromEntries(props.slots.map((s) => [s.start, s.booked]));

  async function publish() {
    setMessage(null);
    setFailure(null);
    const { error, response } = await api().PUT('/appointment-slots', {
      body: {
        date: props.date,
        place: props.place,
        slots: rows
          .filter((r) => r.start)
          .map((r) => ({ start: r.start, capacity: Number(r.capacity) })),
      },
    });
    if (error) setFailure(problemText(error, response.status));
    else {
      setMessage('Jadwal tersimpan.');
      props.onSaved();
    }
  }

  const update = (i: number, field: 'start' | 'capacity', value: string) =>
    setRows(rows.map((r, n) => (n === i ? { ...r, [field]: value } : r)));

  return (
    <div>
      <table>
        <caption>Slot {fmtDate(props.date)}</caption>
        <thead>
          <tr>
            <th scope="col">Jam mulai</th>
            <th scope="col">Kapasitas</th>
            <th scope="col">Terisi</th>
            {props.editable && <th scope="col">Hapus</th>}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={4}>
                <Empty>Belum ada slot yang dibuka.</Empty>
              </td>
            </tr>
          )}
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                {props.editable ? (
                  <input
                    type="time"
                    aria-label={`Jam mulai slot ${i + 1}`}
                    value={r.start}
                    onInput={(e) => update(i, 'start', e.currentTarget.value)}
                  />
                ) : (
                  r.start
                )}
              </td>
              <td>
                {props.editable ? (
                  <input
                    type="number"
                    min={1}
                    max={200}
                    aria-label={`Kapasitas slot ${i + 1}`}
                    value={r.capacity}
                    onInput={(e) => update(i, 'capacity', e.currentTarget.value)}
                  />
                ) : (
                  r.capacity
                )}
              </td>
              <td>{booked[r.start] ?? 0}</td>
              {props.editable && (
                <td>
                  <button type="button" onClick={() => setRows(rows.filter((_, n) => n !== i))}>
                    Hapus slot {i + 1}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {props.editable && (
        <div class="actions">
          <button type="button" onClick={() => setRows([...rows, { start: '', capacity: '10' }])}>
            Tambah slot
          </button>
          <button type="button" class="primary" onClick={publish}>
            Simpan jadwal
          </button>
        </div>
      )}
      {message && <p role="status">{message}</p>}
      {failure && (
        <p role="alert" class="error">
          Jadwal belum tersimpan: {failure}
        </p>
      )}
    </div>
  );
}
