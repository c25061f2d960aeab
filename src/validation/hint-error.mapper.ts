import { decodeProtectedHeader, errors } from 'jose';
import { OutboundHttpError } from '../common/outbound-http.error';
import { JwsFormatError } from './compact-jws';
import type { HintProfile } from './hint-profile.registry';
import { HintValidationError, quote } from './hint-validation.error';
import { IssuerMetadataError } from './issuer-metadata.error';
import { KeyRejectedError } from './verification-key';

export interface MappedError {
  error: HintValidationError;
  /** Not a verdict on the token but something unforeseen: worth a log line with the cause. */
  unexpected: boolean;
}

/**
 * Every way validation can fail, as one HintValidationError with a B2C-shaped code and a
 * description that says what to fix. jose errors are mapped by class (and `claim`), its
 * TypeErrors and anything unforeseen become "could not be validated", so no token can turn
 * into a 5xx or leak a stack trace.
 */
export function toHintValidationError(e: unknown, profile: HintProfile, token: unknown): MappedError {
  const known = (kind: HintValidationError['kind'], description: string): MappedError => ({
    error: new HintValidationError(kind, description, { cause: e }),
    unexpected: false,
  });

  if (e instanceof HintValidationError) return { error: e, unexpected: false };
  if (e instanceof JwsFormatError) return known('invalid', `the token is malformed: ${e.message}`);
  if (e instanceof IssuerMetadataError) {
    return e.kind === 'issuer_mismatch'
      ? known('issuer', `the token could not be validated: ${e.message}`)
      : known('invalid', `the token could not be validated: ${e.message}`);
  }
  if (e instanceof OutboundHttpError) return known('invalid', `the token could not be validated: the issuer's metadata could not be fetched (${e.message})`);
  if (e instanceof KeyRejectedError) return known('signature', `the issuer's key cannot verify this token: ${e.message}`);

  if (e instanceof errors.JOSEAlgNotAllowed) {
    const alg = headerOf(token)?.alg;
    return known('signature', `the token's alg ${quote(alg)} is not accepted by profile ${profile.id} (accepted: ${profile.algorithms.join(', ')})`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) {
    return known('signature', 'the token\'s signature does not verify: it was altered, or signed with a key this profile does not trust');
  }
  if (e instanceof errors.JWKSNoMatchingKey) {
    const header = headerOf(token);
    return known(
      'signature',
      header?.kid === undefined
        ? `the token has no kid and no key the issuer publishes for ${String(header?.alg)} matches it`
        : `no key the issuer publishes matches the token's kid ${quote(header.kid)} and alg ${quote(header.alg)}`,
    );
  }
  if (e instanceof errors.JWKSMultipleMatchingKeys) {
    return known('signature', 'the token has no kid (or a shared one) and the issuer publishes several matching keys: the token must name its key');
  }
  if (e instanceof errors.JWKSTimeout) return known('invalid', 'the token could not be validated: the issuer\'s key set (JWKS) did not arrive in time');
  if (e instanceof errors.JWKSInvalid) return known('invalid', `the token could not be validated: the issuer's key set (JWKS) is not usable (${e.message})`);
  if (e instanceof errors.JWTExpired) return known('expired', 'the token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    const kind = ({ nbf: 'notYetValid', iss: 'issuer', aud: 'audience', exp: 'expired' } as const)[e.claim] ?? 'invalid';
    return known(kind, `the token's ${e.claim} claim failed validation (${e.reason})`);
  }
  if (e instanceof errors.JOSENotSupported) {
    // RFC 7515 §4.1.11: a critical extension the recipient does not understand invalidates the JWS.
    return /Extension Header Parameter/.test(e.message)
      ? known('invalid', `the token is malformed: ${e.message}; critical header extensions (crit) are not supported`)
      : known('invalid', `the token uses something this validator does not support: ${e.message}`);
  }
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid || e instanceof errors.JWKInvalid) {
    return known('invalid', `the token is malformed: ${e.message}`);
  }
  if (e instanceof errors.JOSEError) return known('invalid', `the token could not be validated: ${e.message}`);
  // jose raises TypeError for inputs it cannot even attempt (e.g. a key unfit for the alg); no
  // detail of it is shown, since it may come from anywhere.
  return {
    error: new HintValidationError('invalid', 'the token could not be validated with this profile', { cause: e }),
    unexpected: true,
  };
}

function headerOf(token: unknown): { alg?: unknown; kid?: unknown } | undefined {
  try {
    return typeof token === 'string' ? decodeProtectedHeader(token) : undefined;
  } catch {
    return undefined;
  }
}
