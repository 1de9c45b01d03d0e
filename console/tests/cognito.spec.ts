import { expect, test } from '@playwright/test';
import { createHash } from 'node:crypto';
import { stackBase } from './helpers';

const COGNITO = 'https://adminduk-test.auth.ap-southeast-3.amazoncognito.com';

// The deployed sign-in (config.json `auth: cognito`): authorization code with PKCE against
// managed login, which Playwright stands in for; the API is the local stack's.
test('deployed mode signs in with the code flow and PKCE', async ({ page, baseURL }) => {
  const base = stackBase(baseURL);
  const redirect = new URL('./', baseURL).toString();
  await page.route('**/config.json', (route) =>
    route.fulfill({
      json: { auth: 'cognito', apiBase: '', cognitoDomain: COGNITO, clientId: 'client-1', redirectUri: redirect, logoutUri: redirect },
    }),
  );
  let authorize: URL | null = null;
  await page.route(`${COGNITO}/oauth2/authorize?*`, (route) => {
    authorize = new URL(route.request().url());
    route.fulfill({ body: 'managed login' });
  });
  await page.goto('./');
  await page.getByRole('button', { name: 'Masuk' }).click();
  await expect.poll(() => authorize).not.toBeNull();
  const q = authorize!.searchParams;
  expect(q.get('response_type')).toBe('code');
  expect(q.get('client_id')).toBe('client-1');
  expect(q.get('redirect_uri')).toBe(redirect);
  expect(q.get('code_challenge_method')).toBe('S256');
  // The verifier and state stayed in the console's session storage (back on its origin).
  await page.goto('./');
  const kept = JSON.parse((await page.evaluate(() => sessionStorage.getItem('konsol.pkce')))!);
  expect(q.get('state')).toBe(kept.state);
  expect(q.get('code_challenge')).toBe(createHash('sha256').update(kept.verifier).digest('base64url'));

  // Back from managed login: the code and verifier are exchanged for the ID token.
  const idToken = (await (await fetch(`${base}/_local/token?sub=petugas-cognito&groups=petugas&kecamatan=*`)).json()).token;
  let exchange: URLSearchParams | null = null;
  await page.route(`${COGNITO}/oauth2/token`, (route) => {
    exchange = new URLSearchParams(route.request().postData() ?? '');
    route.fulfill({ json: { id_token: idToken, access_token: 'unused', token_type: 'Bearer' } });
  });
  await page.goto(`./?code=the-code&state=${kept.state}`);
  await expect(page.getByTestId('officer')).toContainText('petugas-cognito');
  expect(exchange!.get('grant_type')).toBe('authorization_code');
  expect(exchange!.get('code')).toBe('the-code');
  expect(exchange!.get('code_verifier')).toBe(kept.verifier);
  expect(page.url()).not.toContain('code=');

  // A return with another state is refused.
  await page.evaluate(() => sessionStorage.clear());
  await page.goto('./?code=x&state=forged');
  await expect(page.getByRole('alert')).toContainText('Masuk gagal');
});
