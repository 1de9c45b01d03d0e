import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Officer } from './auth';
import type { Kecamatan } from './api';

export interface Session {
  officer: Officer;
  kecamatan: Kecamatan[];
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

/** Paths inside the app, under Vite's base (`/console/` locally). */
export const BASE = import.meta.env.BASE_URL;
export const to = (path: string) => `${BASE}${path.replace(/^\//, '')}`;

export function kecamatanName(list: Kecamatan[], code?: string | null): string {
  if (!code) return '–';
  if (code === '*') return 'Seluruh kabupaten';
  return list.find((k) => k.code === code)?.name ?? code;
}
