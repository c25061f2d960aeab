import { TesseraError } from '../common/errors';

/**
 * Wire codes of the validator. The five AADB2C codes are Azure AD B2C's own for a rejected
 * `id_token_hint`, so a sign-up page can treat Tessera and B2C alike; B2C has no code for the
 * other cases, so they carry Tessera's.
 */
export const HINT_ERROR_CODES = {
  /** `exp` (plus the clock skew) has passed. */
  expired: 'AADB2C90208',
  /** `aud` does not contain the profile's audience. */
  audience: 'AADB2C90209',
  /** Malformed, or could not be validated (e.g. the issuer's metadata could not be fetched). */
  invalid: 'AADB2C90210',
  /** `iss` is not the profile's issuer (or the issuer's discovery document names another one). */
  issuer: 'AADB2C90232',
  /** Signature did not verify, the `alg` is not accepted, or no published key matches the `kid`. */
  signature: 'AADB2C90233',
  /** `nbf` (minus the clock skew) is still in the future. */
  notYetValid: 'TESSERA_HINT_NOT_YET_VALID',
  /** A `required` output claim ended up without a value. */
  missingClaim: 'TESSERA_HINT_MISSING_CLAIM',
  /** The caller named a profile that is not configured. */
  unknownProfile: 'TESSERA_HINT_UNKNOWN_PROFILE',
} as const;

export type HintErrorKind = keyof typeof HINT_ERROR_CODES;

/**
 * A rejected hint: always a 400 with `{error, code, description}`. The description says what
 * to fix in plain words; it never quotes a secret or more of the token than a short `kid`.
 */
export class HintValidationError extends TesseraError {
  constructor(
    readonly kind: HintErrorKind,
    description: string,
    options?: { cause?: unknown },
  ) {
    super(HINT_ERROR_CODES[kind], 400, description, undefined, options);
  }

  /** OAuth-style error class: a bad profile name is the request's fault, everything else the token's. */
  get error(): 'invalid_request' | 'invalid_token' {
    return this.kind === 'unknownProfile' ? 'invalid_request' : 'invalid_token';
  }

  override body(): Record<string, unknown> {
    return { error: this.error, code: this.code, description: this.description };
  }
}

/** Quotes a token-supplied string for a description: bounded, printable. */
export function quote(value: unknown, max = 64): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}…` : printable);
}
