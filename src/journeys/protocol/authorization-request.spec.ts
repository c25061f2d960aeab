import type { PolicyDescriptor, RegisteredApplication } from '../journeys.contracts';
import {
  parseResponseType,
  policyIdFromUrl,
  validateAuthorizationRequest as sut,
  type AuthorizeLookups,
  type AuthorizeOutcome,
  type RawParameters,
} from './authorization-request';
import { s256Challenge } from './pkce';

const policy: PolicyDescriptor = {
  id: 'B2C_1A_signup_invitation',
  issuer: 'https://id.example.com/B2C_1A_signup_invitation/v2.0/',
  idTokenLifetimeSeconds: 3600,
  codeLifetimeSeconds: 300,
  claimsSupported: ['email', 'name'],
};

const spa: RegisteredApplication = {
  clientId: 'spa',
  displayName: 'Single-page app',
  redirectUris: ['https://app.example.com/callback', 'https://app.example.com/cb?tenant=a'],
  responseTypes: ['code', 'id_token', 'code id_token'],
  requirePkce: true,
};
const web: RegisteredApplication = {
  clientId: 'web',
  displayName: 'Server-side web app',
  redirectUris: ['https://web.example.com/signin-oidc'],
  clientSecret: 'a-confidential-secret-of-enough-length',
  responseTypes: ['code'],
  requirePkce: false,
};
const bare: RegisteredApplication = { ...web, clientId: 'bare', redirectUris: [] };

const lookups: AuthorizeLookups = {
  policy: (id) => (id === policy.id ? policy : undefined),
  application: (id) => [spa, web, bare].find((a) => a.clientId === id),
};

const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const challenge = s256Challenge(verifier);

function codeRequest(extra: RawParameters = {}): RawParameters {
  return {
    client_id: 'spa',
    redirect_uri: 'https://app.example.com/callback',
    response_type: 'code',
    scope: 'openid',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

function validate(raw: RawParameters, policyId: string | undefined = policy.id): AuthorizeOutcome {
  return sut(policyId, raw, lookups);
}

function expectPage(outcome: AuthorizeOutcome, status: number, description: RegExp): void {
  expect(outcome.kind).toBe('error-page');
  if (outcome.kind !== 'error-page') return;
  expect(outcome.status).toBe(status);
  expect(outcome.description).toMatch(description);
}

function expectRedirect(outcome: AuthorizeOutcome, error: string, description: RegExp, mode?: string): void {
  expect(outcome.kind).toBe('error-redirect');
  if (outcome.kind !== 'error-redirect') return;
  expect(outcome.error).toBe(error);
  expect(outcome.description).toMatch(description);
  if (mode) expect(outcome.responseMode).toBe(mode);
}

describe('validateAuthorizationRequest', () => {
  describe('untrusted redirect: the error page, never a redirect', () => {
    it('refuses an unknown policy with 404', () => {
      expectPage(validate(codeRequest(), 'B2C_1A_nope'), 404, /policy 'B2C_1A_nope' does not exist/);
    });

    it('refuses a request without a policy', () => {
      expectPage(sut(undefined, codeRequest(), lookups), 404, /does not name a policy/);
    });

    it('refuses a missing client_id with B2C code AADB2C90008', () => {
      const { client_id: _, ...raw } = codeRequest();
      expectPage(validate(raw), 400, /^AADB2C90008: /);
    });

    it('refuses an unknown client_id', () => {
      expectPage(validate(codeRequest({ client_id: 'stranger' })), 400, /'stranger' is not a registered application/);
    });

    it('refuses an application with no registered redirect URIs (AADB2C90007)', () => {
      expectPage(validate(codeRequest({ client_id: 'bare' })), 400, /^AADB2C90007: /);
    });

    it('refuses a missing redirect_uri', () => {
      const { redirect_uri: _, ...raw } = codeRequest();
      expectPage(validate(raw), 400, /does not contain a redirect_uri/);
    });

    it.each([
      ['an unregistered host', 'https://evil.example.net/callback'],
      ['a trailing slash', 'https://app.example.com/callback/'],
      ['a different case in the path', 'https://app.example.com/Callback'],
      ['a different case in the host', 'https://APP.example.com/callback'],
      ['a longer path (prefix match)', 'https://app.example.com/callback/more'],
      ['an added query', 'https://app.example.com/callback?x=1'],
      ['a different query on a URI registered with one', 'https://app.example.com/cb?tenant=b'],
      ['http instead of https', 'http://app.example.com/callback'],
      ['an explicit default port', 'https://app.example.com:443/callback'],
      ['a fragment', 'https://app.example.com/callback#x'],
    ])('refuses a near-miss redirect_uri: %s (AADB2C90006)', (_name, uri) => {
      expectPage(validate(codeRequest({ redirect_uri: uri })), 400, /^AADB2C90006: The redirect URI '.*' provided in the request is not registered for the client ID 'spa'\.$/);
    });

    it('refuses a repeated client_id or redirect_uri on the page', () => {
      expectPage(validate(codeRequest({ client_id: ['spa', 'web'] })), 400, /client_id parameter more than once/);
      expectPage(validate(codeRequest({ redirect_uri: ['https://app.example.com/callback', 'https://evil.example.net/'] })), 400, /redirect_uri parameter more than once/);
    });
  });

  describe('a valid request', () => {
    it('keeps every field, with the default response mode for code (query)', () => {
      const outcome = validate(codeRequest({ nonce: 'n-1', login_hint: 'a@example.com', domain_hint: 'example.com', ui_locales: 'ko en', prompt: 'login', id_token_hint: 'h.i.nt' }));
      expect(outcome.kind).toBe('valid');
      if (outcome.kind !== 'valid') return;
      expect(outcome.request).toEqual({
        policyId: policy.id,
        clientId: 'spa',
        redirectUri: 'https://app.example.com/callback',
        responseType: 'code',
        responseMode: 'query',
        scope: ['openid'],
        state: 'st',
        nonce: 'n-1',
        prompt: 'login',
        loginHint: 'a@example.com',
        domainHint: 'example.com',
        idTokenHint: 'h.i.nt',
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        uiLocales: ['ko', 'en'],
        parameters: expect.objectContaining({ client_id: 'spa', login_hint: 'a@example.com', ui_locales: 'ko en' }) as unknown,
      });
      expect(outcome.application.clientId).toBe('spa');
    });

    it('keeps state exactly as sent, odd characters included', () => {
      const state = ' a+b%20c&d=e#f/é😀 ';
      const outcome = validate(codeRequest({ state }));
      expect(outcome.kind === 'valid' && outcome.request.state).toBe(state);
    });

    it('accepts a registered URI that carries its own query, matched exactly', () => {
      expect(validate(codeRequest({ redirect_uri: 'https://app.example.com/cb?tenant=a' })).kind).toBe('valid');
    });

    it('defaults id_token and code id_token to the fragment', () => {
      const implicit = validate(codeRequest({ response_type: 'id_token', nonce: 'n' }));
      const hybrid = validate(codeRequest({ response_type: 'id_token code', nonce: 'n' }));
      expect(implicit.kind === 'valid' && implicit.request.responseMode).toBe('fragment');
      expect(hybrid.kind === 'valid' && hybrid.request.responseType).toBe('code id_token');
      expect(hybrid.kind === 'valid' && hybrid.request.responseMode).toBe('fragment');
    });

    it('lets a confidential client that does not require PKCE omit it', () => {
      const outcome = validate({ client_id: 'web', redirect_uri: 'https://web.example.com/signin-oidc', response_type: 'code', scope: 'openid offline_access', response_mode: 'form_post' });
      expect(outcome.kind).toBe('valid');
      if (outcome.kind !== 'valid') return;
      expect(outcome.request.codeChallenge).toBeUndefined();
      expect(outcome.request.scope).toEqual(['openid', 'offline_access']);
      expect(outcome.request.responseMode).toBe('form_post');
    });

    it('treats parameters sent without a value as omitted (RFC 6749 §3.1)', () => {
      const outcome = validate(codeRequest({ nonce: '', prompt: '', login_hint: ['', 'x@example.com'] }));
      expect(outcome.kind).toBe('valid');
      if (outcome.kind !== 'valid') return;
      expect(outcome.request.nonce).toBeUndefined();
      expect(outcome.request.prompt).toBeUndefined();
      expect(outcome.request.loginHint).toBe('x@example.com');
    });
  });

  describe('errors returned to the redirect URI, state untouched', () => {
    it('refuses a missing response_type', () => {
      const { response_type: _, ...raw } = codeRequest();
      expectRedirect(validate(raw), 'invalid_request', /does not contain a response_type/, 'query');
    });

    it('refuses response_type=token as unsupported, answering in the fragment', () => {
      const outcome = validate(codeRequest({ response_type: 'token' }));
      expectRedirect(outcome, 'unsupported_response_type', /^AADB2C90013: /, 'fragment');
      expect(outcome.kind === 'error-redirect' && outcome.state).toBe('st');
    });

    it('refuses a response type the application may not use', () => {
      expectRedirect(
        validate({ client_id: 'web', redirect_uri: 'https://web.example.com/signin-oidc', response_type: 'id_token', scope: 'openid', nonce: 'n' }),
        'unauthorized_client',
        /not allowed to use the response type 'id_token'/,
        'fragment',
      );
    });

    it('refuses response_mode=query with an id_token (Multiple Response Types §5), answering in the fragment', () => {
      expectRedirect(validate(codeRequest({ response_type: 'id_token', nonce: 'n', response_mode: 'query' })), 'invalid_request', /'query' cannot carry an id_token/, 'fragment');
      expectRedirect(validate(codeRequest({ response_type: 'code id_token', nonce: 'n', response_mode: 'query' })), 'invalid_request', /'query' cannot carry an id_token/, 'fragment');
    });

    it('refuses an unknown response_mode (AADB2C90014)', () => {
      expectRedirect(validate(codeRequest({ response_mode: 'web_message' })), 'invalid_request', /^AADB2C90014: /, 'query');
    });

    it('refuses a missing scope (AADB2C90010) and a scope without openid', () => {
      const { scope: _, ...raw } = codeRequest();
      expectRedirect(validate(raw), 'invalid_request', /^AADB2C90010: /);
      expectRedirect(validate(codeRequest({ scope: 'profile email' })), 'invalid_scope', /does not include 'openid'/);
    });

    it.each(['id_token', 'code id_token'])('requires a nonce with response_type=%s (OpenID Connect Core §3.2.2.1)', (responseType) => {
      expectRedirect(validate(codeRequest({ response_type: responseType })), 'invalid_request', /nonce parameter is required/, 'fragment');
    });

    it('does not require a nonce for the code flow', () => {
      expect(validate(codeRequest()).kind).toBe('valid');
    });

    it('refuses PKCE methods other than S256, including the implicit plain default', () => {
      expectRedirect(validate(codeRequest({ code_challenge_method: 'plain' })), 'invalid_request', /'plain' is not supported; use S256/);
      const { code_challenge_method: _, ...noMethod } = codeRequest();
      expectRedirect(validate(noMethod), 'invalid_request', /'plain' is not supported/);
    });

    it('refuses a malformed challenge and a method without a challenge', () => {
      expectRedirect(validate(codeRequest({ code_challenge: 'short' })), 'invalid_request', /43-character base64url/);
      const { code_challenge: _, ...methodOnly } = codeRequest();
      expectRedirect(validate(methodOnly), 'invalid_request', /without a code_challenge/);
    });

    it('requires PKCE from a client that must use it', () => {
      const { code_challenge: _a, code_challenge_method: _b, ...raw } = codeRequest();
      expectRedirect(validate(raw), 'invalid_request', /'spa' must send a code_challenge/);
    });

    it('requires PKCE from a public client even when its registration does not ask for it', () => {
      const loose: AuthorizeLookups = { policy: lookups.policy, application: (id) => (id === 'spa' ? { ...spa, requirePkce: false } : undefined) };
      const { code_challenge: _a, code_challenge_method: _b, ...raw } = codeRequest();
      const outcome = sut(policy.id, raw, loose);
      expectRedirect(outcome, 'invalid_request', /must send a code_challenge/);
    });

    it('does not offer request objects or registration (OpenID Connect Core §3.1.2.6)', () => {
      expectRedirect(validate(codeRequest({ request: 'eyJ.x.y' })), 'request_not_supported', /request parameter/);
      expectRedirect(validate(codeRequest({ request_uri: 'https://x' })), 'request_uri_not_supported', /request_uri/);
      expectRedirect(validate(codeRequest({ registration: '{}' })), 'registration_not_supported', /registration/);
    });

    it('refuses repeated parameters, and drops a repeated state rather than choose one', () => {
      const outcome = validate(codeRequest({ nonce: ['a', 'b'] }));
      expectRedirect(outcome, 'invalid_request', /nonce parameter more than once/);
      expect(outcome.kind === 'error-redirect' && outcome.state).toBe('st');
      const twoStates = validate(codeRequest({ state: ['a', 'b'] }));
      expectRedirect(twoStates, 'invalid_request', /state parameter more than once/);
      expect(twoStates.kind === 'error-redirect' && twoStates.state).toBeUndefined();
    });

    it('refuses values that are not plain strings and overlong values', () => {
      expectRedirect(validate(codeRequest({ login_hint: { nested: 'x' } })), 'invalid_request', /login_hint parameter is not a plain string/);
      expectRedirect(validate(codeRequest({ nonce: 'n'.repeat(1025) })), 'invalid_request', /nonce parameter is longer than 1024/);
    });

    it('refuses a NUL character in any parameter, since nonce and scope are stored with the code', () => {
      expectRedirect(validate(codeRequest({ nonce: 'n\u0000once' })), 'invalid_request', /nonce parameter contains a NUL character/);
      expectRedirect(validate(codeRequest({ scope: 'openid\u0000' })), 'invalid_request', /scope parameter contains a NUL character/);
      expectRedirect(validate(codeRequest({ login_hint: '\u0000' })), 'invalid_request', /login_hint parameter contains a NUL character/);
    });

    it('bounds parameters named like Object.prototype members by the default limit too', () => {
      expectRedirect(validate(codeRequest({ toString: 'x'.repeat(2049) })), 'invalid_request', /toString parameter is longer than 2048/);
      expectRedirect(validate(codeRequest({ constructor: 'x'.repeat(2049) })), 'invalid_request', /constructor parameter is longer than 2048/);
    });

    it('refuses unknown prompt values and none combined with another', () => {
      expectRedirect(validate(codeRequest({ prompt: 'sometimes' })), 'invalid_request', /prompt value 'sometimes'/);
      expectRedirect(validate(codeRequest({ prompt: 'none login' })), 'invalid_request', /'none' cannot be combined/);
    });

    it('refuses a max_age that is not a whole number', () => {
      expectRedirect(validate(codeRequest({ max_age: '-1' })), 'invalid_request', /max_age/);
    });
  });
});

describe('parseResponseType', () => {
  it.each([
    ['code', 'code'],
    ['id_token', 'id_token'],
    ['code id_token', 'code id_token'],
    ['id_token code', 'code id_token'],
  ])('reads %j as %j', (input, expected) => {
    expect(parseResponseType(input)).toBe(expected);
  });

  it.each(['token', 'code token', 'id_token token', 'code  id_token', 'code code', 'CODE', ' code'])('refuses %j', (input) => {
    expect(parseResponseType(input)).toBeUndefined();
  });
});

describe('policyIdFromUrl', () => {
  it('reads the policy segment, then p, then the single segment', () => {
    expect(policyIdFromUrl({ tenant: 't', policy: 'B2C_1A_x' }, {})).toBe('B2C_1A_x');
    expect(policyIdFromUrl({ first: 'contoso.onmicrosoft.com' }, { p: 'B2C_1A_y' })).toBe('B2C_1A_y');
    expect(policyIdFromUrl({ first: 'B2C_1A_z' }, {})).toBe('B2C_1A_z');
  });
});
