// The API client: typed by src/api/schema.d.ts, generated from docs/openapi.yaml (`npm run
// gen:api`; `npm run check:api` fails when it is stale).
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './api/schema';
import { config } from './config';
import { currentOfficer } from './auth';

export type Problem = components['schemas']['Problem'];
export type QueueItem = components['schemas']['QueuePage']['items'][number];
export type Service = components['schemas']['Service'];
export type FailedMessage = components['schemas']['FailedMessage'];
export type Kecamatan = components['schemas']['Kecamatan'];
export type ServiceCode = components['schemas']['ServiceCode'];
export type RequestStatus = components['schemas']['RequestStatus'];
export type ActionBody =
  operations['actOnRequest']['requestBody']['content']['application/json'];

let client: ReturnType<typeof createClient<paths>> | null = null;

/** Called on a 401: the session is over (expired or revoked). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f;
}

const auth: Middleware = {
  onRequest({ request }) {
    const o = currentOfficer();
    if (o) request.headers.set('authorization', `Bearer ${o.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) onUnauthorized();
    return response;
  },
};

export function api() {
  if (!client) {
    client = createClient<paths>({ baseUrl: config().apiBase || location.origin });
    client.use(auth);
  }
  return client;
}

/** An officer-readable sentence for a failed call. */
export function problemText(error: unknown, status?: number): string {
  const p = (error ?? {}) as Partial<Problem>;
  const what = [p.title, p.detail].filter(Boolean).join(': ');
  if (status === 403) return `Tidak diizinkan${what ? ` (${what})` : ''}.`;
  if (status === 404) return `Tidak ditemukan${what ? ` (${what})` : ''}.`;
  if (status && status >= 500) return 'Server sedang bermasalah. Coba lagi sebentar lagi.';
  return what || 'Permintaan gagal. Periksa koneksi lalu coba lagi.';
}
