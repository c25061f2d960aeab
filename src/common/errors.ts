/**
 * Errors are values: each carries the wire code, the HTTP status and a description that is
 * safe to show a caller. One filter (`http-exception.filter.ts`) renders them. Anything that is
 * not a TesseraError becomes a bare 500 `server_error` whose details stay in the log.
 */

export interface FieldProblem {
  /** dotted path of the offending field, e.g. `relyingParties[0].audience` or `email` */
  field: string;
  problem: string;
}

export class TesseraError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly description: string,
    readonly details?: FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = new.target.name;
  }

  /** The JSON body sent on the wire. Subclasses with a contract of their own override it. */
  body(): Record<string, unknown> {
    return {
      error: this.code,
      error_description: this.description,
      ...(this.details?.length ? { details: this.details } : {}),
    };
  }

  /** Extra response headers (e.g. `WWW-Authenticate`). */
  headers(): Record<string, string> {
    return {};
  }
}

export class InvalidRequestError extends TesseraError {
  constructor(description: string, details?: FieldProblem[], options?: { cause?: unknown }) {
    super('invalid_request', 400, description, details, options);
  }

  /** One problem with one field: the description names the field. */
  static field(field: string, problem: string): InvalidRequestError {
    return new InvalidRequestError(`${field}: ${problem}`, [{ field, problem }]);
  }

  static fields(details: FieldProblem[]): InvalidRequestError {
    const summary = details.map((d) => `${d.field}: ${d.problem}`).join('; ');
    return new InvalidRequestError(summary, details);
  }
}

export class UnauthorizedError extends TesseraError {
  constructor(description = 'an admin API key is required: send it as "Authorization: Bearer <key>"') {
    super('unauthorized', 401, description);
  }

  // RFC 6750 §3: a protected resource answers 401 with a Bearer challenge.
  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': `Bearer realm="tessera", error="invalid_token"` };
  }
}

export class ForbiddenError extends TesseraError {
  constructor(description: string, readonly requiredScopes: string[] = []) {
    super('insufficient_scope', 403, description);
  }

  // RFC 6750 §3.1: insufficient_scope names the scope that would have been enough.
  override headers(): Record<string, string> {
    const scope = this.requiredScopes.length ? `, scope="${this.requiredScopes.join(' ')}"` : '';
    return { 'WWW-Authenticate': `Bearer realm="tessera", error="insufficient_scope"${scope}` };
  }
}

export class NotFoundError extends TesseraError {
  constructor(description: string) {
    super('not_found', 404, description);
  }
}

export class ConflictError extends TesseraError {
  constructor(description: string, readonly extra: Record<string, unknown> = {}) {
    super('conflict', 409, description);
  }

  override body(): Record<string, unknown> {
    return { ...super.body(), ...this.extra };
  }
}

export class PayloadTooLargeError extends TesseraError {
  constructor(description: string) {
    super('payload_too_large', 413, description);
  }
}

export class UnsupportedMediaTypeError extends TesseraError {
  constructor(description: string) {
    super('unsupported_media_type', 415, description);
  }
}

export class TooManyRequestsError extends TesseraError {
  constructor(description = 'too many requests: slow down and retry later') {
    super('too_many_requests', 429, description);
  }
}

/** A configuration problem found at start: every bad field is listed in one error. */
export class ConfigError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.field}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
