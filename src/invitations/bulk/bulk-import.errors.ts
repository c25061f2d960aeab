import { InvalidRequestError, PayloadTooLargeError, TesseraError } from '../../common/errors';

/**
 * A body that is not a well-formed import (broken CSV quoting, a bad header, JSON that is not an
 * array): the whole request is refused before anything is written. `line`/`column` point at the
 * problem (1-based) when the parser knows where it is.
 */
export class MalformedImportError extends InvalidRequestError {
  constructor(
    description: string,
    readonly position: { line?: number; column?: number } = {},
  ) {
    super(description, [{ field: 'body', problem: description }]);
  }

  override body(): Record<string, unknown> {
    return {
      ...super.body(),
      ...(this.position.line !== undefined ? { line: this.position.line } : {}),
      ...(this.position.column !== undefined ? { column: this.position.column } : {}),
    };
  }
}

export class ImportTooLargeError extends PayloadTooLargeError {}

/**
 * RFC 9110 §15.5.21 (422): the `Idempotency-Key` was already used for a different request, so
 * replaying its result would answer a question nobody asked (IETF draft-ietf-httpapi-idempotency-key-header §2.7).
 */
export class IdempotencyKeyReusedError extends TesseraError {
  constructor(description: string, readonly mismatches: string[]) {
    super('idempotency_key_reused', 422, description);
  }

  override body(): Record<string, unknown> {
    return { ...super.body(), mismatches: this.mismatches };
  }
}

/** The import that owns this `Idempotency-Key` is still running: retry once it is done (409, as the draft advises). */
export class ImportInProgressError extends TesseraError {
  constructor(
    readonly importId: string,
    readonly processed: number,
    readonly total: number,
    readonly retryAfterSeconds: number,
  ) {
    super('import_in_progress', 409, `import ${importId} is still running (${processed} of ${total} rows done); retry when it has finished`);
  }

  override body(): Record<string, unknown> {
    return { ...super.body(), importId: this.importId, processed: this.processed, total: this.total };
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}
