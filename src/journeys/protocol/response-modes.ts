import type { AuthorizationRequest } from '../journeys.contracts';

export type ResponseMode = AuthorizationRequest['responseMode'];

/**
 * OAuth 2.0 Multiple Response Types §2.1 and §5: `code` answers in the query by default; any
 * response carrying an id_token answers in the fragment, so that the token never reaches a
 * server log or a Referer.
 */
export function defaultResponseMode(responseType: AuthorizationRequest['responseType']): ResponseMode {
  return responseType === 'code' ? 'query' : 'fragment';
}

/** Authorization response parameters in the order they are written; undefined ones are left out. */
export type ResponseParameters = Record<string, string | undefined>;

function present(params: ResponseParameters): Array<[string, string]> {
  return Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

/**
 * The redirect for the `query` and `fragment` modes, built on the registered string itself (not a
 * re-serialised URL, which could change its spelling). RFC 6749 §3.1.2: a query component of the
 * registered URI is kept and the response parameters are added to it; a registered URI has no
 * fragment, so the fragment is the response alone. Values are encoded as
 * application/x-www-form-urlencoded (RFC 6749 Appendix B).
 */
export function redirectLocation(redirectUri: string, mode: 'query' | 'fragment', params: ResponseParameters): string {
  const encoded = new URLSearchParams(present(params)).toString();
  if (mode === 'fragment') return `${redirectUri}#${encoded}`;
  if (encoded === '') return redirectUri;
  const separator = !redirectUri.includes('?') ? '?' : redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&';
  return `${redirectUri}${separator}${encoded}`;
}

/** For `form_post` (OAuth 2.0 Form Post Response Mode §2): the fields of the auto-posted form. */
export function formFields(params: ResponseParameters): Array<{ name: string; value: string }> {
  return present(params).map(([name, value]) => ({ name, value }));
}
