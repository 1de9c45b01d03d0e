import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type FailedMessage } from '../api';
import { fmtDateTime } from '../format';
import { to } from '../session';
import { Empty, ErrorBox, Loading } from '../ui';

/** Inbound messages the webhook gave up on: an officer answers the sender, then marks it handled. */
export function FailedMessages() {
  const [state, setState] = useState<'open' | 'handled'>('open');
  const [list, setList] = useState<FailedMessage[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);

  async function load(before?: string) {
    setError(null);
    const { data, error, response } = await api().GET('/failed-messages', {
      params: { query: { state, before, limit: 20 } },
    });
    if (error || !data) return setError(problemText(error, response.status));
    setList(before ? [...(list ?? []), ...data.messages] : data.messages);
    setNext(data.next_before);
  }
  useEffect(() => {
    setList(null);
    load();
  }, [state]);

  async function handled(id: string) {
    const { error, response } = await api().POST('/failed-messages/{id}/handled', { params: { path: { id } } });
    if (error) return setError(problemText(error, response.status));
    load();
  }

  return (
    <section aria-labelledby="failed-title">
      <h1 id="failed-title">Pesan gagal diproses</h1>
      <label>
        Tampilkan
        <select value={state} onChange={(e) => setState(e.currentTarget.value as 'open')}>
          <option value="open">Belum ditangani</option>
          <option value="handled">Sudah ditangani</option>
        </select>
      </label>
      {error && <ErrorBox message={error} retry={() => load()} />}
      {!list && !error && <Loading what="pesan gagal" />}
      {list && list.length === 0 && <Empty>Tidak ada pesan gagal. Semua pesan warga sudah diproses.</Empty>}
      {list && list.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Diterima</th>
              <th scope="col">Pengirim</th>
              <th scope="col">Sebab</th>
              <th scope="col">Tiket</th>
              <th scope="col">Ditangani</th>
            </tr>
          </thead>
          <tbody>
            {list.map((m) => (
              <tr key={m.id}>
                <td>{fmtDateTime(m.received_at)}</td>
                <td>{m.resident ?? '–'}</td>
                <td>{m.reason}</td>
                <td>
                  {m.tickets.map((t) => (
                    <a key={t} href={to(`/permohonan/${t}`)}>
                      {t}{' '}
                    </a>
                  ))}
                </td>
                <td>
                  {m.handled ? (
                    `${m.handled.by}, ${fmtDateTime(m.handled.at)}`
                  ) : (
                    <button type="button" onClick={() => handled(m.id)}>
                      Tandai ditangani
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => load(next)}>
          Muat lebih banyak
        </button>
      )}
    </section>
  );
}
