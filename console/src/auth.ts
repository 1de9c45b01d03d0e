// The officer's session: a Cognito ID token (the API refuses access tokens), kept in
// sessionStorage so it ends with the tab. Locally the token comes from the stack's
// `/_local/token`; deployed, from Cognito managed login (authorization code + PKCE).
import { config } from './config';

const KEY = 'konsol.idToken';
const PKCE_KEY = 'konsol.pkce';

export interface Officer {
  token: string;
  sub: string;
  name: string;
  groups: string[];
  /** A kecamatan code, `*` for regency-wide, or undefined (no request in scope). */
  kecamatan?: string;
  expiresAt: number;
}

export function isSupervisor(o: Officer): boolean {
  return o.groups.includes('supervisor');
}

export function isRegencyWide(o: Officer): boolean {
  return o.kecamatan === '*';
}

function decode(token: string): Officer | null {
  try {
    const part = token.split('.')[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return {
      token,
      sub: String(claims.sub),
      name: String(claims.name ?? claims['cognito:username'] ?? claims.sub),
      groups: Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [],
      kecamatan: claims['custom:kecamatan'],
      expiresAt: Number(claims.exp) * 1000,
    };
  } catch {
    return null;
  }
}

export function currentOfficer(): Officer | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  const o = decode(token);
  if (!o || o.expiresAt <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return o;
}

export function keepToken(token: string): Officer | null {
  const o = decode(token);
  if (o) sessionStorage.setItem(KEY, token);
  return o;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  const c = config();
  if (c.auth === 'cognito') {
    const q = new URLSearchParams({ client_id: c.clientId, logout_uri: c.logoutUri });
    location.assign(`${c.cognitoDomain}/logout?${q}`);
  }
}

/** Local stack only: an ID token for any officer the stack's token route issues. */
export async function localToken(sub: string, groups: string, kecamatan: string): Promise<string> {
  const q = new URLSearchParams({ sub, groups, kecamatan });
  const r = await fetch(`${config().apiBase}/_local/token?${q}`);
  if (!r.ok) throw new Error(await r.text());
  return ((await r.json()) as { token: string }).token;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Deployed: to Cognito managed login, with a PKCE verifier and state kept for the return. */
export async function startCognitoLogin(): Promise<void> {
  const c = config();
  if (c.auth !== 'cognito') return;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${c.cognitoDomain}/oauth2/authorize?${q}`);
}

/** Deployed: the return from managed login (`?code=..&state=..`) exchanged for the ID token. */
export async function finishCognitoLogin(): Promise<Officer | null> {
  const c = config();
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (c.auth !== 'cognito' || !code) return null;
  const kept = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as
    | { verifier: string; state: string }
    | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', location.pathname);
  if (!kept || kept.state !== params.get('state')) throw new Error('state');
  const r = await fetch(`${c.cognitoDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: c.clientId,
      code,
      redirect_uri: c.redirectUri,
      code_verifier: kept.verifier,
    }),
  });
  if (!r.ok) throw new Error(`token ${r.status}`);
  const { id_token } = (await r.json()) as { id_token: string };
  return keepToken(id_token);
}
