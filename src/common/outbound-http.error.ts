/** Why an outbound request did not produce a response. */
export type OutboundFailure =
  | 'invalid_url'
  | 'scheme_refused'
  | 'address_refused'
  | 'dns'
  | 'timeout'
  | 'aborted'
  | 'too_large'
  | 'redirect_refused'
  | 'too_many_redirects'
  | 'network';

/**
 * An outbound request that failed before a complete response was read. Not a TesseraError: the
 * feature that made the request decides what its caller is told. The message names the URL and
 * the reason, never a response body or a credential.
 */
export class OutboundHttpError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${safeUrl(url)}: ${message}`, options);
    this.name = 'OutboundHttpError';
  }
}

/** The URL without userinfo, so a credential in a URL never reaches a log line or a description. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url.slice(0, 200);
  }
}
