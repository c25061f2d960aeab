import type { AuthorizationRequest, PolicyDescriptor, RegisteredApplication } from '../journeys.contracts';
import type { OAuthErrorCode } from './oauth.errors';
import { isValidS256Challenge } from './pkce';
import { defaultResponseMode, type ResponseMode } from './response-modes';

/**
 * Validation of an authorization request (OpenID Connect Core §3.1.2.1, §3.2.2.1, §3.3.2.1;
 * RFC 6749 §4.1.1; RFC 7636 §4.3). Pure: it reads the parameters and what the catalog knows,
 * and says what to do — start the journey, answer the client at its redirect URI, or show an
 * error page because the redirect URI cannot be trusted (RFC 6749 §4.1.2.1: the server "MUST
 * NOT automatically redirect the user-agent to the invalid redirection URI").
 */

export type ResponseType = AuthorizationRequest['responseType'];

export interface AuthorizeLookups {
  policy(policyId: string): PolicyDescriptor | undefined;
  application(clientId: string): RegisteredApplication | undefined;
}

/** An answer that cannot go to the client: its redirect URI is unknown or untrusted. */
export interface ErrorPageOutcome {
  kind: 'error-page';
  status: 400 | 404;
  error: OAuthErrorCode;
  description: string;
}

/** An error the client receives at its (registered, exactly matched) redirect URI. */
export interface ErrorRedirectOutcome {
  kind: 'error-redirect';
  policy: PolicyDescriptor;
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
  error: OAuthErrorCode;
  description: string;
}

export interface ValidOutcome {
  kind: 'valid';
  policy: PolicyDescriptor;
  application: RegisteredApplication;
  request: AuthorizationRequest;
}

export type AuthorizeOutcome = ErrorPageOutcome | ErrorRedirectOutcome | ValidOutcome;

/** Upper bounds that keep a request from filling journey state with junk; far above real use. */
export const PARAMETER_LIMITS = {
  state: 4096,
  nonce: 1024,
  /** an id_token_hint is a JWS; 16 KiB holds generous claims */
  id_token_hint: 16384,
  default: 2048,
} as const;

const RESPONSE_TYPES: readonly ResponseType[] = ['code', 'id_token', 'code id_token'];
const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];
/** OpenID Connect Core §3.1.2.1 (`create`: Initiating User Registration via OpenID Connect 1.0). */
const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account', 'create'];

/**
 * Parameters as Express parsed them (query string or form body): a string, or an array when a
 * name repeats. RFC 6749 §3.1: parameters "MUST NOT be included more than once", and one "sent
 * without a value MUST be treated as if it were omitted from the request".
 */
export type RawParameters = Record<string, unknown>;

interface Normalized {
  values: Record<string, string>;
  repeated: string[];
  malformed: string[];
}

function normalize(raw: RawParameters): Normalized {
  const values: Record<string, string> = {};
  const repeated: string[] = [];
  const malformed: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) {
      const present = value.filter((v) => v !== '');
      if (present.length > 1) repeated.push(name);
      else if (present.length === 1 && typeof present[0] === 'string') values[name] = present[0];
      else if (present.length === 1) malformed.push(name);
    } else if (typeof value === 'string') {
      if (value !== '') values[name] = value;
    } else if (value !== undefined && value !== null) {
      malformed.push(name);
    }
  }
  return { values, repeated, malformed };
}

/** The policy id of a B2C URL: `/{policy}/oauth2/...`, or `/{tenant}/oauth2/...?p={policy}`. */
export function policyIdFromUrl(segments: { tenant?: string; policy?: string; first?: string }, raw: RawParameters): string | undefined {
  if (segments.policy) return segments.policy;
  const p = raw.p;
  if (typeof p === 'string' && p !== '') return p;
  return segments.first;
}

/** Order-insensitive: `id_token code` is `code id_token` (OAuth 2.0 Multiple Response Types §3). */
export function parseResponseType(value: string): ResponseType | undefined {
  const parts = value.split(' ');
  if (parts.some((p) => p === '') || new Set(parts).size !== parts.length) return undefined;
  const sorted = [...parts].sort().join(' ');
  return RESPONSE_TYPES.find((t) => t === sorted);
}

export function validateAuthorizationRequest(
  policyId: string | undefined,
  raw: RawParameters,
  lookups: AuthorizeLookups,
): AuthorizeOutcome {
  const { values, repeated, malformed } = normalize(raw);
  const page = (status: 400 | 404, error: OAuthErrorCode, description: string): ErrorPageOutcome => ({ kind: 'error-page', status, error, description });

  // 1. What decides whether a redirect may happen at all: the policy, the client, the URI.
  const policy = policyId ? lookups.policy(policyId) : undefined;
  if (!policy) {
    return page(404, 'invalid_request', policyId ? `The policy '${policyId}' does not exist.` : 'The request does not name a policy.');
  }
  if (repeated.includes('client_id')) return page(400, 'invalid_request', 'The request contains the client_id parameter more than once.');
  const clientId = values.client_id;
  if (!clientId) return page(400, 'invalid_request', 'AADB2C90008: The request does not contain a client ID parameter.');
  const application = lookups.application(clientId);
  if (!application) return page(400, 'unauthorized_client', `The client ID '${clientId}' is not a registered application.`);
  if (application.redirectUris.length === 0) {
    return page(400, 'invalid_request', `AADB2C90007: The application associated with client ID '${clientId}' has no registered redirect URIs.`);
  }
  if (repeated.includes('redirect_uri')) return page(400, 'invalid_request', 'The request contains the redirect_uri parameter more than once.');
  const redirectUri = values.redirect_uri;
  if (!redirectUri) return page(400, 'invalid_request', 'The request does not contain a redirect_uri parameter.');
  // Exact string comparison (RFC 9700 §4.1.3): no case folding, no prefix, no trailing-slash leniency.
  if (!application.redirectUris.includes(redirectUri)) {
    return page(400, 'invalid_request', `AADB2C90006: The redirect URI '${redirectUri}' provided in the request is not registered for the client ID '${clientId}'.`);
  }

  // 2. From here on the client hears about problems at its own redirect URI.
  const responseType = values.response_type ? parseResponseType(values.response_type) : undefined;
  const requestedMode = values.response_mode as ResponseMode | undefined;
  const modeIsUsable = requestedMode !== undefined && RESPONSE_MODES.includes(requestedMode) && !(requestedMode === 'query' && responseType?.includes('id_token'));
  // OAuth 2.0 Multiple Response Types §2.1: a response type that asks for a token answers in the
  // fragment by default, and so does its error, even when the type itself is not supported.
  const fallbackMode = responseType ? defaultResponseMode(responseType) : /token/.test(values.response_type ?? '') ? 'fragment' : 'query';
  const responseMode: ResponseMode = modeIsUsable ? requestedMode : fallbackMode;
  const state = repeated.includes('state') ? undefined : values.state;
  const redirect = (error: OAuthErrorCode, description: string): ErrorRedirectOutcome => ({
    kind: 'error-redirect',
    policy,
    redirectUri,
    responseMode,
    ...(state !== undefined ? { state } : {}),
    error,
    description,
  });

  // OpenID Connect Core §6 and §3.1.2.6: request objects and dynamic registration are not offered.
  if ('request' in values) return redirect('request_not_supported', 'Request objects (the request parameter) are not supported.');
  if ('request_uri' in values) return redirect('request_uri_not_supported', 'The request_uri parameter is not supported.');
  if ('registration' in values) return redirect('registration_not_supported', 'The registration parameter is not supported.');
  if (repeated.length > 0) return redirect('invalid_request', `The request contains the ${repeated.sort().join(', ')} parameter${repeated.length > 1 ? 's' : ''} more than once.`);
  if (malformed.length > 0) return redirect('invalid_request', `The ${malformed.sort().join(', ')} parameter${malformed.length > 1 ? 's are' : ' is'} not a plain string.`);
  for (const [name, value] of Object.entries(values)) {
    // Own properties only: `toString` or `constructor` would otherwise find Object.prototype's and escape every bound.
    const limit = Object.hasOwn(PARAMETER_LIMITS, name) ? PARAMETER_LIMITS[name as keyof typeof PARAMETER_LIMITS] : PARAMETER_LIMITS.default;
    if (value.length > limit) return redirect('invalid_request', `The ${name} parameter is longer than ${limit} characters.`);
    // Some parameters (nonce, scope) are stored with the authorization code, and PostgreSQL text
    // cannot hold U+0000 (SQLSTATE 22021): refused here, not as a 500 at the end of the journey.
    if (value.includes('\u0000')) return redirect('invalid_request', `The ${name} parameter contains a NUL character (U+0000).`);
  }

  if (!values.response_type) return redirect('invalid_request', 'The request does not contain a response_type parameter.');
  if (!responseType) {
    return redirect('unsupported_response_type', `AADB2C90013: The requested response type '${values.response_type}' provided in the request is not supported.`);
  }
  if (!application.responseTypes.includes(responseType)) {
    return redirect('unauthorized_client', `The application '${clientId}' is not allowed to use the response type '${responseType}'.`);
  }
  if (requestedMode !== undefined && !RESPONSE_MODES.includes(requestedMode)) {
    return redirect('invalid_request', `AADB2C90014: The requested response mode '${requestedMode}' provided in the request is not supported.`);
  }
  if (requestedMode === 'query' && responseType.includes('id_token')) {
    // OAuth 2.0 Multiple Response Types §5: tokens must not travel in the query string.
    return redirect('invalid_request', `The response mode 'query' cannot carry an id_token; use 'fragment' or 'form_post' with response type '${responseType}'.`);
  }

  if (!values.scope) return redirect('invalid_request', 'AADB2C90010: The request does not contain a scope parameter.');
  const scope = values.scope.split(' ').filter((s) => s !== '');
  if (!scope.includes('openid')) {
    return redirect('invalid_scope', `The scope '${values.scope}' does not include 'openid'; this endpoint only answers OpenID Connect requests.`);
  }

  // OpenID Connect Core §3.2.2.1 / §3.3.2.11: an ID token from the authorization endpoint is
  // bound to the request by its nonce, so the nonce is required whenever one is returned there.
  if (responseType.includes('id_token') && values.nonce === undefined) {
    return redirect('invalid_request', `The nonce parameter is required with response type '${responseType}'.`);
  }

  const prompt = values.prompt;
  if (prompt !== undefined) {
    const prompts = prompt.split(' ').filter((p) => p !== '');
    const unknown = prompts.filter((p) => !PROMPT_VALUES.includes(p));
    if (unknown.length > 0) return redirect('invalid_request', `The prompt value '${unknown[0]}' is not supported; use ${PROMPT_VALUES.join(', ')}.`);
    if (prompts.includes('none') && prompts.length > 1) return redirect('invalid_request', "The prompt value 'none' cannot be combined with other values.");
  }
  if (values.max_age !== undefined && !/^\d{1,10}$/.test(values.max_age)) {
    return redirect('invalid_request', 'The max_age parameter must be a whole number of seconds.');
  }

  const challenge = values.code_challenge;
  const method = values.code_challenge_method;
  if (method !== undefined && challenge === undefined) {
    return redirect('invalid_request', 'The code_challenge_method parameter was sent without a code_challenge.');
  }
  if (challenge !== undefined) {
    // RFC 7636 §4.3 makes `plain` the default method; Tessera supports S256 only (§4.4.1).
    if (method !== 'S256') {
      return redirect('invalid_request', `The code_challenge_method '${method ?? 'plain'}' is not supported; use S256.`);
    }
    if (!isValidS256Challenge(challenge)) {
      return redirect('invalid_request', 'The code_challenge must be the 43-character base64url SHA-256 of the code verifier (RFC 7636 §4.2).');
    }
  }
  // Public clients cannot authenticate at the token endpoint, so PKCE is their only proof.
  const pkceRequired = application.requirePkce || application.clientSecret === undefined;
  if (responseType.includes('code') && pkceRequired && challenge === undefined) {
    return redirect('invalid_request', `The application '${clientId}' must send a code_challenge (PKCE, RFC 7636) with code_challenge_method S256.`);
  }

  const request: AuthorizationRequest = {
    policyId: policy.id,
    clientId,
    redirectUri,
    responseType,
    responseMode,
    scope,
    ...(state !== undefined ? { state } : {}),
    ...(values.nonce !== undefined ? { nonce: values.nonce } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(values.login_hint !== undefined ? { loginHint: values.login_hint } : {}),
    ...(values.domain_hint !== undefined ? { domainHint: values.domain_hint } : {}),
    ...(values.id_token_hint !== undefined ? { idTokenHint: values.id_token_hint } : {}),
    ...(challenge !== undefined ? { codeChallenge: challenge, codeChallengeMethod: 'S256' as const } : {}),
    ...(values.ui_locales !== undefined ? { uiLocales: values.ui_locales.split(' ').filter((l) => l !== '') } : {}),
    parameters: values,
  };
  return { kind: 'valid', policy, application, request };
}
