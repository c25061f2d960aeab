import { TesseraError } from '../../common/errors';

/**
 * Wire codes of OAuth 2.0 and OpenID Connect errors: RFC 6749 §4.1.2.1 and §5.2, OpenID
 * Connect Core 1.0 §3.1.2.6, and the codes of the extensions Tessera answers (RFC 7636 uses
 * `invalid_request` / `invalid_grant`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported';

/**
 * An error of the token endpoint, rendered by the one filter as RFC 6749 §5.2 JSON
 * (`{error, error_description}`), never cached.
 */
export class OAuthError extends TesseraError {
  constructor(
    readonly oauthCode: OAuthErrorCode,
    description: string,
    status = 400,
  ) {
    super(oauthCode, status, description);
  }

  // RFC 6749 §5.1 asks for both on token responses; an error is one of them.
  override headers(): Record<string, string> {
    return { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  }
}

/**
 * `invalid_client` is a 401 (RFC 6749 §5.2). A client that tried HTTP Basic gets the Basic
 * challenge back, as the RFC requires; others get no challenge, since they never used one.
 */
export class InvalidClientError extends OAuthError {
  constructor(
    description: string,
    readonly usedBasic: boolean,
  ) {
    super('invalid_client', description, 401);
  }

  override headers(): Record<string, string> {
    return {
      ...super.headers(),
      ...(this.usedBasic ? { 'WWW-Authenticate': 'Basic realm="tessera", charset="UTF-8"' } : {}),
    };
  }
}
