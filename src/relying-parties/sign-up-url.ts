/**
 * The relying party's sign-up URL is a template: a literal absolute URL whose query may carry
 * `{placeholder}`s, filled per click with URL-encoded values. It expresses the B2C authorize
 * URL (`https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/{policy}/oauth2/v2.0/authorize?
 * client_id=…&redirect_uri=…&scope=openid&response_type=id_token&nonce={nonce}`) or any other.
 * Everything outside the placeholders is kept byte for byte: B2C compares `redirect_uri`
 * exactly, so re-serialising the query through URLSearchParams could break a working URL.
 */

/** Values a template may ask for. Documented in README "Invitations". */
export const SIGN_UP_URL_PLACEHOLDERS = ['id_token_hint', 'nonce', 'state', 'locale', 'invitation_id'] as const;
export type SignUpUrlPlaceholder = (typeof SIGN_UP_URL_PLACEHOLDERS)[number];

/** Query parameter the hint goes in when the template does not place it (B2C's name). */
export const DEFAULT_HINT_PARAMETER = 'id_token_hint';

export interface SignUpUrlTemplate {
  readonly source: string;
  readonly placeholders: ReadonlySet<SignUpUrlPlaceholder>;
  /** The origin the browser is redirected to: CSP `form-action` must allow it. */
  readonly origin: string;
}

export type SignUpUrlValues = Partial<Record<SignUpUrlPlaceholder, string>> & { id_token_hint: string };

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Problems with a template, each a sentence; empty when it is usable. */
export function signUpUrlProblems(source: unknown): string[] {
  if (typeof source !== 'string' || source.length === 0) return ['must be a non-empty URL template'];
  const problems: string[] = [];
  if (/[{}]/.test(source.replace(PLACEHOLDER, ''))) {
    problems.push('has an unbalanced "{" or "}" (write a literal brace as %7B or %7D)');
  }
  const queryStart = source.indexOf('?');
  let hintCount = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (!(SIGN_UP_URL_PLACEHOLDERS as readonly string[]).includes(name)) {
      problems.push(`uses the unknown placeholder {${name}} (supported: ${SIGN_UP_URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
    if (queryStart === -1 || (match.index ?? 0) < queryStart) {
      problems.push(`places {${name}} outside the query string; placeholders may only fill query values`);
    }
    if (name === 'id_token_hint') hintCount++;
  }
  if (hintCount > 1) problems.push('uses {id_token_hint} more than once');
  if (problems.length) return problems;

  let url: URL;
  try {
    url = new URL(source.replace(PLACEHOLDER, 'x'));
  } catch {
    return [`"${source}" is not an absolute URL`];
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) problems.push('must use https (plain http is accepted only on a loopback host)');
  } else if (url.protocol !== 'https:') {
    problems.push('must be an https URL');
  }
  if (url.username || url.password) problems.push('must not carry credentials');
  if (source.includes('#')) problems.push('must not carry a fragment (the hint is added to the query string)');
  return problems;
}

/** Parses a template that `signUpUrlProblems` accepted; throws on one it did not. */
export function parseSignUpUrl(source: string): SignUpUrlTemplate {
  const problems = signUpUrlProblems(source);
  if (problems.length) throw new Error(`invalid sign-up URL template: ${problems.join('; ')}`);
  const placeholders = new Set<SignUpUrlPlaceholder>();
  for (const match of source.matchAll(PLACEHOLDER)) placeholders.add(match[1] as SignUpUrlPlaceholder);
  return { source, placeholders, origin: new URL(source.replace(PLACEHOLDER, 'x')).origin };
}

/**
 * Fills the template. A template without `{id_token_hint}` gets `id_token_hint=<hint>` as its
 * last query parameter, which is where B2C's samples put it.
 */
export function buildSignUpUrl(template: SignUpUrlTemplate, values: SignUpUrlValues): string {
  let url = template.source.replace(PLACEHOLDER, (_m, name: SignUpUrlPlaceholder) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for sign-up URL placeholder {${name}}`);
    return encodeURIComponent(value);
  });
  if (!template.placeholders.has('id_token_hint')) {
    const separator = !url.includes('?') ? '?' : /[?&]$/.test(url) ? '' : '&';
    url += `${separator}${DEFAULT_HINT_PARAMETER}=${encodeURIComponent(values.id_token_hint)}`;
  }
  return url;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
