import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Service, type ServiceCode } from '../api';
import { isSupervisor, isRegencyWide } from '../auth';
import { fmtDateTime } from '../format';
import { useSession } from '../session';
import { ErrorBox, Loading } from '../ui';

/** Which services residents can start, and the notice they read (supervisors change them). */
export function Services() {
  const { officer } = useSession();
  const [list, setList] = useState<Service[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canEdit = isSupervisor(officer) && isRegencyWide(officer);

  async function load() {
    setError(null);
    const { data, error, response } = await api().GET('/services');
    if (error || !data) setError(problemText(error, response.status));
    else setList(data);
  }
  useEffect(() => {
    load();
  }, []);

  if (error) return <ErrorBox message={error} retry={load} />;
  if (!list) return <Loading what="layanan" />;
  return (
    <section aria-labelledby="svc-title">
      <h1 id="svc-title">Layanan</h1>
      {!canEdit && <p>Hanya supervisor tingkat kabupaten yang dapat mengubah layanan.</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Layanan</th>
              <th scope="col">Batas (hari kerja)</th>
              <th scope="col">Tersedia</th>
              <th scope="col">Pengumuman untuk warga</th>
              <th scope="col">Diubah</th>
              {canEdit && (
                <th scope="col">
                  <span class="sr-only">Simpan</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <ServiceRow key={s.code} s={s} canEdit={canEdit} onSaved={load} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ServiceRow({ s, canEdit, onSaved }: { s: Service; canEdit: boolean; onSaved: () => void }) {
  const [available, setAvailable] = useState(s.available);
  const [notice, setNotice] = useState(s.notice ?? '');
  const [msg, setMsg] = useState<string | null>(null);
  const dirty = available !== s.available || notice !== (s.notice ?? '');
  async function save() {
    // Suspending needs the notice residents will read (the spec's oneOf; the API says so too).
    const text = notice.trim();
    const body = available
      ? { available: true as const, ...(text ? { notice: text } : {}) }
      : { available: false as const, notice: text };
    const { error, response } = await api().PUT('/services/{code}', {
      params: { path: { code: s.code as ServiceCode } },
      body,
    });
    if (error) setMsg(problemText(error, response.status));
    else {
      setMsg('Tersimpan.');
      onSaved();
    }
  }
  return (
    <tr data-service={s.code}>
      <th scope="row">{s.name}</th>
      <td>{s.max_working_days}</td>
      <td>
        {canEdit ? (
          <input
            type="checkbox"
            aria-label={`${s.name} tersedia`}
            checked={available}
            onChange={(e) => setAvailable(e.currentTarget.checked)}
          />
        ) : s.available ? (
          'Ya'
        ) : (
          'Tidak'
        )}
      </td>
      <td>
        {canEdit ? (
          <input
            aria-label={`Pengumuman ${s.name}`}
            value={notice}
            onInput={(e) => setNotice(e.currentTarget.value)}
          />
        ) : (
          s.notice ?? '–'
        )}
      </td>
      <td>{s.updated_at ? `${fmtDateTime(s.updated_at)} (${s.updated_by ?? '–'})` : '–'}</td>
      {canEdit && (
        <td>
          <button type="button" disabled={!dirty} onClick={save}>
            Simpan
          </button>
          {msg && <span role="status"> {msg}</span>}
        </td>
      )}
    </tr>
  );
}
