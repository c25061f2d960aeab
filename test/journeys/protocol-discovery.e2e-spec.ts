import * as oidc from 'openid-client';
import { KeyStoreService } from '../../src/keys/key-store.service';
import { OTHER_POLICY_ID, POLICY_ID, startProtocolApp, type ProtocolApp } from './protocol-harness';

/** Per-policy discovery documents and key sets, where B2C serves them. */
describe('journeys protocol: discovery', () => {
  let t: ProtocolApp;

  beforeAll(async () => {
    t = await startProtocolApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function document(path: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${t.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('is accepted by openid-client discovery from the issuer, with the issuer check on', async () => {
    const config = await oidc.discovery(new URL(t.issuer), 'spa-client', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(t.issuer);
    expect(metadata.supportsPKCE()).toBe(true);
  });

  it('advertises what the endpoints do, and nothing else', async () => {
    const base = `${t.url}/${POLICY_ID}`;
    expect(await document(`/${POLICY_ID}/v2.0/.well-known/openid-configuration`)).toEqual({
      issuer: t.issuer,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      response_types_supported: ['code', 'id_token', 'code id_token'],
      grant_types_supported: ['authorization_code', 'implicit'],
      scopes_supported: ['openid'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      claims_supported: expect.arrayContaining(['email', 'name', 'newUser', 'extension_role', 'sub', 'iss', 'aud', 'nonce', 'auth_time', 'tfp']) as unknown,
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
      ui_locales_supported: ['en', 'ko'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('gives each policy its own issuer', async () => {
    const other = await document(`/${OTHER_POLICY_ID}/v2.0/.well-known/openid-configuration`);
    expect(other.issuer).toBe(`${t.url}/${OTHER_POLICY_ID}/v2.0/`);
    expect(other.token_endpoint).toBe(`${t.url}/${OTHER_POLICY_ID}/oauth2/v2.0/token`);
  });

  it.each([
    ['a lower-case policy id', `/${POLICY_ID.toLowerCase()}/v2.0/.well-known/openid-configuration`, `/${POLICY_ID}`],
    ['the tenant-prefixed path', `/contoso.onmicrosoft.com/${POLICY_ID}/v2.0/.well-known/openid-configuration`, `/contoso.onmicrosoft.com/${POLICY_ID}`],
    ['the tenant path with p=', `/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=${POLICY_ID.toLowerCase()}`, `/contoso.onmicrosoft.com/${POLICY_ID}`],
  ])('answers at %s, with endpoints under the canonical policy id', async (_name, path, prefix) => {
    const doc = await document(path);
    expect(doc.issuer).toBe(t.issuer);
    expect(doc.authorization_endpoint).toBe(`${t.url}${prefix}/oauth2/v2.0/authorize`);
    expect(doc.jwks_uri).toBe(`${t.url}${prefix}/discovery/v2.0/keys`);
  });

  it('serves the endpoints it advertises under the tenant prefix', async () => {
    const doc = await document(`/contoso.onmicrosoft.com/${POLICY_ID}/v2.0/.well-known/openid-configuration`);
    const keys = await fetch(doc.jwks_uri as string);
    expect(keys.status).toBe(200);
  });

  it('serves the key store’s published JWKS at the jwks_uri, byte for byte', async () => {
    const res = await fetch(`${t.url}/${POLICY_ID}/discovery/v2.0/keys`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.text();
    expect(body).toBe(JSON.stringify(await t.app.get(KeyStoreService).publishedJwks()));
    const jwks = JSON.parse(body) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
      expect(key.d).toBeUndefined();
    }
  });

  it('is cacheable, revalidates with its ETag, and is readable cross-origin', async () => {
    for (const path of [`/${POLICY_ID}/v2.0/.well-known/openid-configuration`, `/${POLICY_ID}/discovery/v2.0/keys`]) {
      const first = await fetch(`${t.url}${path}`);
      expect(first.headers.get('cache-control')).toBe(`public, max-age=${t.config.discovery.maxAgeSeconds}`);
      expect(first.headers.get('access-control-allow-origin')).toBe('*');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await fetch(`${t.url}${path}`, { headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);
      const changed = await fetch(`${t.url}${path}`, { headers: { 'if-none-match': '"something-else"' } });
      expect(changed.status).toBe(200);
    }
  });

  it('answers 404 for an unknown policy', async () => {
    for (const path of ['/B2C_1A_unknown/v2.0/.well-known/openid-configuration', '/B2C_1A_unknown/discovery/v2.0/keys']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
  });
});
