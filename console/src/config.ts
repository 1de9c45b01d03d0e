// The runtime configuration, `config.json` beside index.html: the local stack serves the one in
// public/ (local sign-in); `make deploy-console` writes the deployed one from the stack outputs.
export type Config =
  | { auth: 'local'; apiBase: string }
  | {
      auth: 'cognito';
      apiBase: string;
      cognitoDomain: string;
      clientId: string;
      redirectUri: string;
      logoutUri: string;
    };

let loaded: Config | null = null;

export async function loadConfig(): Promise<Config> {
  const r = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!r.ok) throw new Error(`config.json: ${r.status}`);
  loaded = (await r.json()) as Config;
  return loaded;
}

export function config(): Config {
  if (!loaded) throw new Error('config not loaded');
  return loaded;
}
