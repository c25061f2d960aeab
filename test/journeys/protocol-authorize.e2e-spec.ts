import * as oidc from 'openid-client';
import { leftHalfSha256 } from '../../src/journeys/protocol/token-hashes';
import { applications, CLAIMS, POLICY_ID, readFormPost, SPA_REDIRECT, startProtocolApp, SUBJECT, type ProtocolApp } from './protocol-harness';

/**
 * The authorization endpoint: what goes back to the application, what stays on the error page,
 * and the response modes, driven by a browser-like fetch and checked with openid-client.
 */

const insecure = { execute: [oidc.allowInsecureRequests] };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Characters that break naive handling: separators, escapes, quotes, non-ASCII, surrogate pairs. */
const ODD_STATE = ` a+b c&d=e?f#g%20h%zz/é한글😀<>"'\\ `;

describe('journeys protocol: authorization endpoint', () => {
  let t: ProtocolApp;
  let spa: oidc.Configuration;

  beforeAll(async () => {
    t = await startProtocolApp();
    spa = await oidc.discovery(new URL(t.issuer), 'spa-client', undefined, oidc.None(), insecure);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    // Tests may withdraw registrations; each starts from the registered set.
    t.catalog.applications.splice(0, t.catalog.applications.length, ...applications());
  });

  function authorizeUrl(params: Record<string, string>, path = `/${POLICY_ID}/oauth2/v2.0/authorize`): URL {
    const url = new URL(`${t.url}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  async function get(url: URL, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(10_000) });
  }

  async function pkce(): Promise<{ verifier: string; challenge: Record<string, string> }> {
    const verifier = oidc.randomPKCECodeVerifier();
    return { verifier, challenge: { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } };
  }

  async function codeParams(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    return { client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'code', scope: 'openid', ...(await pkce()).challenge, ...extra };
  }

  async function expectErrorPage(res: Response, status: number, text: RegExp): Promise<string> {
    expect(res.status).toBe(status);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("form-action 'none'");
    const html = await res.text();
    expect(html).toMatch(text);
    expect(html).toMatch(UUID);
    return html;
  }

  describe('an untrusted redirect URI gets the error page, never a redirect', () => {
    it('refuses an unregistered redirect_uri with AADB2C90006 and a correlation id', async () => {
      const res = await get(authorizeUrl(await codeParams({ redirect_uri: 'https://evil.example.net/callback', state: 's' })));
      const html = await expectErrorPage(res, 400, /AADB2C90006: The redirect URI &#x27;https:\/\/evil.example.net\/callback&#x27; provided in the request is not registered/);
      expect(html).not.toContain('state=');
    });

    it.each([
      ['a trailing slash', `${SPA_REDIRECT}/`],
      ['an upper-case host', SPA_REDIRECT.replace('spa.example.test', 'SPA.example.test')],
      ['a longer path', `${SPA_REDIRECT}x`],
      ['a prefix', SPA_REDIRECT.slice(0, -1)],
      ['an added query', `${SPA_REDIRECT}?a=1`],
      ['http for https', SPA_REDIRECT.replace('https:', 'http:')],
    ])('refuses a near-miss redirect_uri: %s', async (_name, uri) => {
      await expectErrorPage(await get(authorizeUrl(await codeParams({ redirect_uri: uri }))), 400, /AADB2C90006/);
    });

    it('refuses a missing redirect_uri, an unknown client and an unknown policy', async () => {
      const { redirect_uri: _, ...noRedirect } = await codeParams();
      await expectErrorPage(await get(authorizeUrl(noRedirect)), 400, /does not contain a redirect_uri/);
      await expectErrorPage(await get(authorizeUrl(await codeParams({ client_id: 'stranger' }))), 400, /&#x27;stranger&#x27; is not a registered application/);
      await expectErrorPage(await get(authorizeUrl(await codeParams(), '/B2C_1A_nowhere/oauth2/v2.0/authorize')), 404, /The policy &#x27;B2C_1A_nowhere&#x27; does not exist/);
    });

    it('shows the error page in Korean when ui_locales asks for it', async () => {
      const res = await get(authorizeUrl(await codeParams({ client_id: 'stranger', ui_locales: 'ko-KR' })));
      const html = await expectErrorPage(res, 400, /로그인 요청을 완료할 수 없습니다/);
      expect(html).toContain('<html lang="ko">');
    });

    it('shows the error page when the registration is withdrawn while the journey runs', async () => {
      const res = await get(authorizeUrl(await codeParams({ login_hint: 'unregister', state: 'st' })));
      const html = await expectErrorPage(res, 400, /AADB2C90006/);
      // The journey's own correlation id, so the page and the engine's logs meet.
      expect(html).toContain(`<code>${t.starter.correlationIds.at(-1)!}</code>`);
    });
  });

  describe('other errors go back to the redirect URI with state untouched', () => {
    it('requires a nonce with response_type=id_token, answering in the fragment', async () => {
      const begun = t.starter.begun.length;
      const res = await get(authorizeUrl({ client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'id_token', scope: 'openid', state: ODD_STATE }));
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(SPA_REDIRECT);
      expect(location.search).toBe('');
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('error')).toBe('invalid_request');
      expect(fragment.get('error_description')).toMatch(/nonce parameter is required/);
      expect(fragment.get('state')).toBe(ODD_STATE);
      expect(fragment.get('iss')).toBe(t.issuer);
      expect(t.starter.begun.length).toBe(begun);
    });

    it('refuses response_mode=query for an id_token', async () => {
      const res = await get(authorizeUrl({ client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'id_token', scope: 'openid', nonce: 'n', response_mode: 'query', state: 's' }));
      const location = new URL(res.headers.get('location')!);
      expect(location.search).toBe('');
      expect(new URLSearchParams(location.hash.slice(1)).get('error_description')).toMatch(/'query' cannot carry an id_token/);
    });

    it('requires PKCE from a public client', async () => {
      const res = await get(authorizeUrl({ client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'code', scope: 'openid', state: 's' }));
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(/must send a code_challenge/);
      expect(location.searchParams.get('state')).toBe('s');
    });

    it('returns a journey error B2C-style: access_denied with the AADB2C code', async () => {
      const res = await get(authorizeUrl(await codeParams({ login_hint: 'expired-hint', state: ODD_STATE })));
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('error_description')).toBe('AADB2C90208: The provided id_token_hint parameter is expired.');
      expect(location.searchParams.get('state')).toBe(ODD_STATE);
      expect(location.searchParams.get('code')).toBeNull();
    });

    it('echoes the state untouched on success too, through openid-client', async () => {
      const { verifier, challenge } = await pkce();
      const res = await get(authorizeUrl({ client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'code', scope: 'openid', state: ODD_STATE, ...challenge }));
      const callback = new URL(res.headers.get('location')!);
      expect(callback.searchParams.get('state')).toBe(ODD_STATE);
      const tokens = await oidc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: ODD_STATE });
      expect(tokens.claims()!.sub).toBe(SUBJECT);
    });
  });

  describe('response modes and types', () => {
    it('answers response_type=id_token with form_post: an auto-submitting form openid-client accepts', async () => {
      const implicit = await oidc.discovery(new URL(t.issuer), 'spa-client', undefined, oidc.None(), insecure);
      oidc.useIdTokenResponseType(implicit);
      const nonce = oidc.randomNonce();
      const state = ODD_STATE;
      const res = await get(
        oidc.buildAuthorizationUrl(implicit, { redirect_uri: SPA_REDIRECT, scope: 'openid', response_mode: 'form_post', nonce, state }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain('form-action https://spa.example.test');
      const html = await res.text();
      expect(html).toMatch(/<button type="submit" autofocus>Continue<\/button>/);
      const { action, fields } = readFormPost(html);
      expect(action).toBe(SPA_REDIRECT);
      expect(Object.keys(fields).sort()).toEqual(['id_token', 'iss', 'state']);
      expect(fields.state).toBe(state);

      // The browser's POST to the application, as the application receives it.
      const post = new Request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
      const claims = await oidc.implicitAuthentication(implicit, post, nonce, { expectedState: state });
      expect(claims).toMatchObject({ iss: t.issuer, aud: 'spa-client', sub: SUBJECT, nonce, tfp: POLICY_ID, ...CLAIMS });
      expect(claims.c_hash).toBeUndefined();
    });

    it('answers code id_token in the fragment with c_hash, and the code redeems (hybrid flow)', async () => {
      const hybrid = await oidc.discovery(new URL(t.issuer), 'spa-client', undefined, oidc.None(), insecure);
      oidc.useCodeIdTokenResponseType(hybrid);
      const nonce = oidc.randomNonce();
      const state = oidc.randomState();
      const { verifier, challenge } = await pkce();
      const res = await get(oidc.buildAuthorizationUrl(hybrid, { redirect_uri: SPA_REDIRECT, scope: 'openid', nonce, state, ...challenge }));
      expect(res.status).toBe(303);
      const callback = new URL(res.headers.get('location')!);
      const fragment = new URLSearchParams(callback.hash.slice(1));
      const frontChannel = JSON.parse(Buffer.from(fragment.get('id_token')!.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(frontChannel.c_hash).toBe(leftHalfSha256(fragment.get('code')!));
      expect(frontChannel.nonce).toBe(nonce);
      // openid-client checks the front-channel id_token (signature, c_hash, nonce) before redeeming.
      const tokens = await oidc.authorizationCodeGrant(hybrid, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      expect(tokens.claims()).toMatchObject({ sub: SUBJECT, nonce });
    });

    it('keeps the query of a redirect URI registered with one', async () => {
      const res = await get(authorizeUrl(await codeParams({ redirect_uri: 'https://spa.example.test/other?tenant=a', state: 's' })));
      const location = res.headers.get('location')!;
      expect(location.startsWith('https://spa.example.test/other?tenant=a&code=')).toBe(true);
    });

    it('accepts the request as a POSTed form (OpenID Connect Core §3.1.2.1)', async () => {
      const res = await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(await codeParams({ state: 'posted' })),
      });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(location.searchParams.get('state')).toBe('posted');
    });

    it('refuses a POSTed request that is not a form, on the error page', async () => {
      const res = await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(await codeParams()),
      });
      await expectErrorPage(res, 400, /application\/x-www-form-urlencoded/);
    });
  });

  describe('B2C addresses: only the host of a link changes', () => {
    it.each([
      ['the tenant-prefixed path', `/contoso.onmicrosoft.com/${POLICY_ID}/oauth2/v2.0/authorize`, {}],
      ['the tenant path with p=', '/contoso.onmicrosoft.com/oauth2/v2.0/authorize', { p: POLICY_ID }],
      ['a lower-case policy id', `/${POLICY_ID.toLowerCase()}/oauth2/v2.0/authorize`, {}],
      ['an upper-case policy id behind the tenant', `/contoso.onmicrosoft.com/${POLICY_ID.toUpperCase()}/oauth2/v2.0/authorize`, {}],
    ])('reaches the policy through %s, under its canonical id', async (_name, path, extra) => {
      const res = await get(authorizeUrl(await codeParams({ ...extra, state: 'b2c' }), path));
      expect(res.status).toBe(303);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      expect(t.starter.begun.at(-1)!.policyId).toBe(POLICY_ID);
    });
  });
});
