import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Router, Route } from 'preact-iso';
import {
  currentOfficer,
  finishCognitoLogin,
  isRegencyWide,
  isSupervisor,
  keepToken,
  localToken,
  signOut,
  startCognitoLogin,
  type Officer,
} from './auth';
import { api, setUnauthorizedHandler, type Kecamatan } from './api';
import { config } from './config';
import { BASE, SessionContext, kecamatanName, to, type Session } from './session';
import { ErrorBox, Loading } from './ui';
import { Queue } from './pages/queue';
import { RequestPage } from './pages/request';
import { Stats } from './pages/stats';
import { Services } from './pages/services';
import { Residents } from './pages/residents';
import { FailedMessages } from './pages/failed';
import { Appointments } from './pages/appointments';

export function App() {
  const [officer, setOfficer] = useState<Officer | null>(currentOfficer());
  const [kecamatan, setKecamatan] = useState<Kecamatan[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      sessionStorage.clear();
      setOfficer(null);
    });
    if (!officer && config().auth === 'cognito') {
      finishCognitoLogin()
        .then((o) => o && setOfficer(o))
        .catch(() => setError('Masuk gagal. Silakan coba lagi.'));
    }
  }, []);

  useEffect(() => {
    if (!officer) return;
    api()
      .GET('/office')
      .then(({ data }) => setKecamatan(data?.kecamatan ?? []))
      .catch(() => setKecamatan([]));
  }, [officer?.token]);

  if (!officer) {
    return (
      <main id="main" class="signin">
        <h1>Konsol Petugas Adminduk</h1>
        {error && <ErrorBox message={error} />}
        {config().auth === 'local' ? (
          <LocalSignIn onSignedIn={setOfficer} />
        ) : (
          <button type="button" class="primary" onClick={() => startCognitoLogin()}>
            Masuk
          </button>
        )}
      </main>
    );
  }
  if (!kecamatan) return <Loading what="profil kantor" />;
  const session: Session = { officer, kecamatan };
  return (
    <SessionContext.Provider value={session}>
      <LocationProvider scope={BASE}>
        <a class="skip" href="#main">
          Langsung ke isi
        </a>
        <Nav
          session={session}
          onSignOut={() => {
            signOut();
            setOfficer(null);
          }}
        />
        <main id="main">
          <Router>
            <Route path={to('/')} component={Queue} />
            <Route path={to('/permohonan/:ticket')} component={RequestPage} />
            <Route path={to('/statistik')} component={Stats} />
            <Route path={to('/layanan')} component={Services} />
            <Route path={to('/warga')} component={Residents} />
            <Route path={to('/pesan-gagal')} component={FailedMessages} />
            <Route path={to('/janji-temu')} component={Appointments} />
            <Route default component={Queue} />
          </Router>
        </main>
      </LocationProvider>
    </SessionContext.Provider>
  );
}

function Nav({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const o = session.officer;
  const links: [string, string][] = [
    ['/', 'Antrean'],
    ['/statistik', 'Statistik'],
    ['/janji-temu', 'Janji temu'],
  ];
  // Only what this officer may use (the API refuses the rest anyway).
  if (isSupervisor(o)) links.push(['/layanan', 'Layanan']);
  if (isSupervisor(o) && isRegencyWide(o)) links.push(['/warga', 'Warga']);
  if (isRegencyWide(o)) links.push(['/pesan-gagal', 'Pesan gagal']);
  return (
    <header class="top">
      <nav aria-label="Menu utama">
        <ul>
          {links.map(([path, label]) => (
            <li key={path}>
              <a href={to(path)}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="who">
        <span data-testid="officer">
          {o.name} · {o.groups.join(', ')} · {kecamatanName(session.kecamatan, o.kecamatan)}
        </span>
        <button type="button" onClick={onSignOut}>
          Keluar
        </button>
      </div>
    </header>
  );
}

/** Local stack only: pick any officer; the stack's token route signs the ID token. */
function LocalSignIn({ onSignedIn }: { onSignedIn: (o: Officer) => void }) {
  const [list, setList] = useState<Kecamatan[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sub, setSub] = useState('petugas-1');
  const [group, setGroup] = useState('petugas');
  const [kec, setKec] = useState('*');

  useEffect(() => {
    // The kecamatan list is the office's (GET /office needs a token: a throwaway one).
    localToken('konsol-masuk', 'petugas', '*')
      .then((token) =>
        fetch(`${config().apiBase}/office`, { headers: { authorization: `Bearer ${token}` } }),
      )
      .then((r) => r.json())
      .then((office) => setList(office.kecamatan ?? []))
      .catch(() => setError('Profil kantor tidak terbaca. Apakah stack lokal berjalan?'));
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    try {
      const o = keepToken(await localToken(sub.trim(), group, kec));
      if (o) onSignedIn(o);
    } catch {
      setError('Token tidak dapat dibuat. Periksa ID petugas.');
    }
  }

  return (
    <form class="card" onSubmit={submit}>
      <p>Stack lokal: pilih petugas untuk masuk (tanpa kata sandi).</p>
      {error && <ErrorBox message={error} />}
      <label>
        ID petugas
        <input name="sub" required value={sub} onInput={(e) => setSub(e.currentTarget.value)} />
      </label>
      <label>
        Kelompok
        <select name="group" value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
          <option value="petugas">petugas</option>
          <option value="supervisor">supervisor</option>
        </select>
      </label>
      <label>
        Wilayah kerja
        <select name="kecamatan" value={kec} onChange={(e) => setKec(e.currentTarget.value)}>
          <option value="*">Seluruh kabupaten</option>
          {(list ?? []).map((k) => (
            <option key={k.code} value={k.code}>
              Kec. {k.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary" disabled={!list}>
        Masuk
      </button>
    </form>
  );
}
