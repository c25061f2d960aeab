import type { JWTPayload } from 'jose';
import { HintValidationError, quote } from './hint-validation.error';

export interface ClaimExpectations {
  issuer: string;
  audience: string;
  /** this server's time, NumericDate seconds */
  now: number;
  clockSkewSeconds: number;
}

/**
 * Above this a NumericDate is almost certainly milliseconds: 10^11 seconds is the year 5138,
 * while a millisecond timestamp for any date since 1973 is larger.
 */
const MILLISECONDS_THRESHOLD = 1e11;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The claims set of a verified token: a JSON object (RFC 7519 §7.2 step 10). Anything else is
 * refused here rather than half-read later.
 */
export function parseClaimsSet(payload: Uint8Array): JWTPayload {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(payload));
  } catch {
    throw new HintValidationError('invalid', 'the token payload is not a JSON claims set (RFC 7519 §7.2)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HintValidationError('invalid', 'the token payload must be a JSON object of claims');
  }
  return value as JWTPayload;
}

/**
 * `exp`, `nbf` (both required), `iat` (if present), `iss` and `aud`, with the profile's clock
 * skew. Hints are minted with integer seconds (DESIGN §3); fractions, strings and millisecond
 * values are refused with a description that says which, since that is the usual mistake.
 */
export function checkRegisteredClaims(payload: JWTPayload, expected: ClaimExpectations): void {
  const exp = numericDate(payload, 'exp', true) as number;
  const nbf = numericDate(payload, 'nbf', true) as number;
  const iat = numericDate(payload, 'iat', false);
  if (nbf >= exp) {
    throw new HintValidationError('invalid', `the token's nbf (${nbf}) is not before its exp (${exp}), so it is never valid`);
  }

  if (payload.iss === undefined) throw new HintValidationError('issuer', 'the token has no iss (issuer) claim');
  if (payload.iss !== expected.issuer) {
    throw new HintValidationError('issuer', `the token's issuer ${quote(payload.iss, 200)} is not the issuer this profile trusts (${quote(expected.issuer, 200)})`);
  }

  const aud = payload.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? aud : undefined;
  if (aud === undefined) throw new HintValidationError('audience', 'the token has no aud (audience) claim');
  if (!audiences) throw new HintValidationError('audience', 'the token\'s aud claim must be a string or an array of strings');
  if (!audiences.includes(expected.audience)) {
    throw new HintValidationError('audience', `the token's audience ${quote(aud, 200)} does not include ${quote(expected.audience, 200)}, the audience this profile accepts`);
  }

  const { now, clockSkewSeconds: skew } = expected;
  // RFC 7519 §4.1.4: the current time must be before exp; the skew absorbs clock drift.
  if (now >= exp + skew) {
    throw new HintValidationError('expired', `the token expired at ${isoDate(exp)} (exp ${exp}); ask the issuer for a new one`);
  }
  // RFC 7519 §4.1.5: the current time must be on or after nbf.
  if (now + skew < nbf) {
    throw new HintValidationError('notYetValid', `the token is not valid before ${isoDate(nbf)} (nbf ${nbf}); check the issuer's clock`);
  }
  if (iat !== undefined && iat > now + skew) {
    throw new HintValidationError('invalid', `the token's iat (${iat}, ${isoDate(iat)}) is in the future; check the issuer's clock`);
  }
}

function numericDate(payload: JWTPayload, claim: 'exp' | 'nbf' | 'iat', required: boolean): number | undefined {
  const value = (payload as Record<string, unknown>)[claim];
  const meaning = { exp: 'expiry', nbf: 'not-before', iat: 'issued-at' }[claim];
  if (value === undefined) {
    if (!required) return undefined;
    throw new HintValidationError('invalid', `the token has no ${claim} (${meaning}) claim; hints must carry ${claim} as NumericDate seconds`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HintValidationError('invalid', `the token's ${claim} must be a number of seconds since 1970 (RFC 7519 §2 NumericDate), not ${typeof value === 'string' ? 'a string' : quote(value)}`);
  }
  if (value > MILLISECONDS_THRESHOLD) {
    throw new HintValidationError('invalid', `the token's ${claim} (${value}) looks like milliseconds; NumericDate is seconds since 1970 (RFC 7519 §2)`);
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new HintValidationError('invalid', `the token's ${claim} (${value}) must be a whole, non-negative number of seconds since 1970`);
  }
  return value;
}

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
