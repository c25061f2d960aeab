import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { leftHalfSha256 } from '../../src/journeys/protocol/token-hashes';
import { KeyStoreService } from '../../src/keys/key-store.service';
import { describeEachDialect } from '../utils/database';
import { CLAIMS, POLICY_ID, SPA_REDIRECT, startProtocolApp, SUBJECT, WEB_REDIRECT, WEB_SECRET, type ProtocolApp } from './protocol-harness';

/**
 * The authorization code flow with PKCE, driven by openid-client as the application, against a
 * real Tessera on loopback (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).
 */

const insecure = { execute: [oidc.allowInsecureRequests] };

async function publicClient(t: ProtocolApp): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(t.issuer), 'spa-client', undefined, oidc.None(), insecure);
}

async function confidentialClient(t: ProtocolApp, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(t.issuer), 'web-client', undefined, auth, insecure);
}

/** Follows the authorize request as a browser would, up to the redirect back to the application. */
async function authorize(url: URL): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  if (res.status !== 303) throw new Error(`expected a 303 to the application, got ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

interface Started {
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function startCodeFlow(config: oidc.Configuration, extra: Record<string, string> = {}, redirectUri = SPA_REDIRECT): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const callback = await authorize(
    oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    }),
  );
  return { callback, verifier, state, nonce };
}

async function tokenRequest(t: ProtocolApp, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
    signal: AbortSignal.timeout(10_000),
  });
}

async function oauthError(promise: Promise<unknown>): Promise<{ error?: string; status?: number; description?: string }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof oidc.ResponseBodyError) return { error: e.error, status: e.status, description: e.error_description };
    throw e;
  }
  throw new Error('expected the token request to fail');
}

describeEachDialect('journeys protocol: authorization code flow', (dialect) => {
  let t: ProtocolApp;

  beforeAll(async () => {
    t = await startProtocolApp({ dialect });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => t.clock.reset());

  it('issues an id_token with the journey claims for a code + PKCE flow', async () => {
    const config = await publicClient(t);
    const { callback, verifier, state, nonce } = await startCodeFlow(config);
    expect(callback.origin + callback.pathname).toBe(SPA_REDIRECT);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(t.issuer);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: t.issuer,
      aud: 'spa-client',
      sub: SUBJECT,
      nonce,
      tfp: POLICY_ID,
      acr: POLICY_ID,
      ver: '1.0',
      auth_time: t.starter.authTime,
      ...CLAIMS,
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('openid');

    // The journey engine received the validated request, canonical policy id and all.
    const begun = t.starter.begun.at(-1)!;
    expect(begun).toMatchObject({ policyId: POLICY_ID, clientId: 'spa-client', redirectUri: SPA_REDIRECT, responseType: 'code', responseMode: 'query', state, nonce });
  });

  it('signs the id_token and the access token with the key published at the jwks_uri', async () => {
    const config = await publicClient(t);
    const { callback, verifier, state, nonce } = await startCodeFlow(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const idToken = await jwtVerify(tokens.id_token!, jwks, { issuer: t.issuer, audience: 'spa-client', algorithms: ['RS256'] });
    const active = await t.app.get(KeyStoreService).getActiveSigningKey();
    expect(idToken.protectedHeader).toMatchObject({ alg: 'RS256', kid: active.kid, typ: 'JWT' });

    const access = await jwtVerify(tokens.access_token, jwks, { issuer: t.issuer, audience: 'spa-client', algorithms: ['RS256'] });
    expect(access.payload).toMatchObject({ sub: SUBJECT, azp: 'spa-client', scope: 'openid', tfp: POLICY_ID, email: CLAIMS.email });
    // OpenID Connect Core §3.1.3.6: at_hash binds the access token to the id_token.
    expect(idToken.payload.at_hash).toBe(leftHalfSha256(tokens.access_token));
    expect(tokens.expires_in).toBe(3600);
  });

  it('answers the token request with no-store and no-cache', async () => {
    const config = await publicClient(t);
    const { callback, verifier } = await startCodeFlow(config);
    const res = await tokenRequest(t, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: SPA_REDIRECT, client_id: 'spa-client', code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'id_token_expires_in', 'scope', 'token_type']);
    expect(body.token_type).toBe('Bearer');
  });

  it('refuses a code used a second time (invalid_grant)', async () => {
    const config = await publicClient(t);
    const { callback, verifier, state, nonce } = await startCodeFlow(config);
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const replay = await oauthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }));
    expect(replay).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(replay.description).toMatch(/already been used/);
  });

  it('refuses a wrong PKCE verifier, and the code stays usable with the right one', async () => {
    const config = await publicClient(t);
    const { callback, verifier, state, nonce } = await startCodeFlow(config);
    const wrong = await oauthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce }));
    expect(wrong).toMatchObject({ error: 'invalid_grant' });
    expect(wrong.description).toMatch(/code_verifier does not match/);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()!.sub).toBe(SUBJECT);
  });

  it('refuses a missing or malformed verifier when the request had a challenge', async () => {
    const config = await publicClient(t);
    const { callback } = await startCodeFlow(config);
    const code = callback.searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', code, redirect_uri: SPA_REDIRECT, client_id: 'spa-client' };
    const missing = await tokenRequest(t, base);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier is required/) as unknown });
    const malformed = await tokenRequest(t, { ...base, code_verifier: 'too-short' });
    expect(await malformed.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/43 to 128 characters/) as unknown });
  });

  it('refuses a redirect_uri that differs from the authorization request, and a missing one', async () => {
    const config = await publicClient(t);
    const { callback, verifier } = await startCodeFlow(config);
    const base = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, client_id: 'spa-client', code_verifier: verifier };
    const other = await tokenRequest(t, { ...base, redirect_uri: 'https://spa.example.test/other?tenant=a' });
    expect(await other.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/redirect_uri differs/) as unknown });
    const missing = await tokenRequest(t, base);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/redirect_uri/) as unknown });
  });

  it('refuses an expired code', async () => {
    const config = await publicClient(t);
    const { callback, verifier, state, nonce } = await startCodeFlow(config);
    t.clock.advance(301);
    const expired = await oauthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }));
    expect(expired).toMatchObject({ error: 'invalid_grant' });
    expect(expired.description).toMatch(/not valid or has expired/);
  });

  it('refuses a code at another policy’s token endpoint, and one issued to another client', async () => {
    const config = await publicClient(t);
    const { callback, verifier } = await startCodeFlow(config);
    const body = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: SPA_REDIRECT, client_id: 'spa-client', code_verifier: verifier };
    const elsewhere = await fetch(`${t.url}/B2C_1A_other/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(body) });
    expect(await elsewhere.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/not issued by the policy 'B2C_1A_other'/) as unknown });
    const stolen = await tokenRequest(t, { ...body, client_id: 'web-client', client_secret: WEB_SECRET });
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/issued to another client/) as unknown });
  });

  it('hands a code out once to concurrent redemptions', async () => {
    const config = await publicClient(t);
    const { callback, verifier } = await startCodeFlow(config);
    const body = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: SPA_REDIRECT, client_id: 'spa-client', code_verifier: verifier };
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenRequest(t, body)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
    for (const r of answers.filter((a) => a.status === 400)) expect(await r.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('stores only the hash of a code', async () => {
    const config = await publicClient(t);
    const { callback } = await startCodeFlow(config);
    const code = callback.searchParams.get('code')!;
    const rows = await t.database.service.db.selectFrom('authorization_codes').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  describe('confidential client', () => {
    it('authenticates with client_secret_basic', async () => {
      const config = await confidentialClient(t, oidc.ClientSecretBasic(WEB_SECRET));
      const { callback, verifier, state, nonce } = await startCodeFlow(config, {}, WEB_REDIRECT);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      expect(tokens.claims()).toMatchObject({ aud: 'web-client', sub: SUBJECT });
    });

    it('authenticates with client_secret_post, may skip PKCE, and is not granted offline_access', async () => {
      const config = await confidentialClient(t, oidc.ClientSecretPost(WEB_SECRET));
      const state = oidc.randomState();
      const callback = await authorize(oidc.buildAuthorizationUrl(config, { redirect_uri: WEB_REDIRECT, scope: 'openid offline_access', state }));
      const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state });
      expect(tokens.claims()).toMatchObject({ aud: 'web-client', sub: SUBJECT });
      // No refresh token is issued, so offline_access is not among the granted scopes.
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.scope).toBe('openid');
    });

    it('refuses a wrong secret over Basic with 401 and a Basic challenge', async () => {
      const good = await confidentialClient(t, oidc.ClientSecretBasic(WEB_SECRET));
      const { callback, verifier } = await startCodeFlow(good, {}, WEB_REDIRECT);
      const basic = Buffer.from(`web-client:${encodeURIComponent('not the secret')}`).toString('base64');
      const res = await tokenRequest(
        t,
        { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
        { authorization: `Basic ${basic}` },
      );
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="tessera"/);
      expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'The client secret does not match the one registered for this client.' });
    });

    it('refuses a wrong secret over client_secret_post through openid-client, and a missing secret', async () => {
      const bad = await confidentialClient(t, oidc.ClientSecretPost('wrong'));
      const { callback, verifier, state, nonce } = await startCodeFlow(bad, {}, WEB_REDIRECT);
      const failure = await oauthError(oidc.authorizationCodeGrant(bad, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }));
      expect(failure).toMatchObject({ error: 'invalid_client', status: 401 });
      const none = await tokenRequest(t, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: WEB_REDIRECT, client_id: 'web-client', code_verifier: verifier });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBeNull();
      expect(await none.json()).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/confidential client/) as unknown });
    });
  });
});

describe('journeys protocol: token endpoint input', () => {
  let t: ProtocolApp;

  beforeAll(async () => {
    t = await startProtocolApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts authorization_code only (unsupported_grant_type), after authenticating the client', async () => {
    const refresh = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'spa-client' });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toEqual({ error: 'unsupported_grant_type', error_description: expect.stringMatching(/'refresh_token' is not supported/) as unknown });
    const anonymous = await tokenRequest(t, { grant_type: 'client_credentials' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a missing grant_type and a missing code', async () => {
    expect(await (await tokenRequest(t, { client_id: 'spa-client' })).json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/grant_type/) as unknown });
    expect(await (await tokenRequest(t, { grant_type: 'authorization_code', client_id: 'spa-client' })).json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/code parameter/) as unknown,
    });
  });

  it('refuses an unknown code', async () => {
    const res = await tokenRequest(t, { grant_type: 'authorization_code', client_id: 'spa-client', code: 'made-up', redirect_uri: SPA_REDIRECT, code_verifier: 'a'.repeat(43) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a JSON body, repeated parameters and a NUL character', async () => {
    const json = await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/x-www-form-urlencoded/) as unknown });
    const repeated = await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=a&code=b&client_id=spa-client',
    });
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/code parameter is given more than once/) as unknown });
    const nul = await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=a%00b&client_id=spa-client',
    });
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/code parameter contains a NUL character/) as unknown });
  });

  it('refuses two client authentication methods at once', async () => {
    const basic = Buffer.from(`web-client:${encodeURIComponent(WEB_SECRET)}`).toString('base64');
    const res = await tokenRequest(t, { grant_type: 'authorization_code', code: 'x', client_secret: WEB_SECRET }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/authenticated twice/) as unknown });
  });

  it('answers 404 for an unknown policy, in the OAuth error shape', async () => {
    const res = await fetch(`${t.url}/B2C_1A_missing/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code' }) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});
