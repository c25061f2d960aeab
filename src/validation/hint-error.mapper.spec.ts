import { base64url, errors } from 'jose';
import { OutboundHttpError } from '../common/outbound-http.error';
import { JwsFormatError } from './compact-jws';
import { toHintValidationError } from './hint-error.mapper';
import type { HintProfile } from './hint-profile.registry';
import { HintValidationError } from './hint-validation.error';
import { IssuerMetadataError } from './issuer-metadata.error';
import { KeyRejectedError } from './verification-key';

const profile: HintProfile = {
  kind: 'symmetric',
  id: 'p',
  issuer: 'https://i',
  audience: 'a',
  algorithms: ['HS256'],
  clockSkewSeconds: 300,
  maxTokenLength: 8192,
  outputClaims: [],
  key: new Uint8Array(32),
};
const token = `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'k-1' }))}.e30.c2ln`;

describe('toHintValidationError', () => {
  it.each<[string, string, boolean, unknown]>([
    ['JwsFormatError', 'AADB2C90210', false, new JwsFormatError('the token is empty')],
    ['KeyRejectedError', 'AADB2C90233', false, new KeyRejectedError('the key is for RS384')],
    ['IssuerMetadataError (unavailable)', 'AADB2C90210', false, new IssuerMetadataError('unavailable', 'answered HTTP 503')],
    ['IssuerMetadataError (issuer mismatch)', 'AADB2C90232', false, new IssuerMetadataError('issuer_mismatch', 'names another issuer')],
    ['OutboundHttpError', 'AADB2C90210', false, new OutboundHttpError('timeout', 'https://i/keys', 'no complete response')],
    ['JOSEAlgNotAllowed', 'AADB2C90233', false, new errors.JOSEAlgNotAllowed('not allowed')],
    ['JWSSignatureVerificationFailed', 'AADB2C90233', false, new errors.JWSSignatureVerificationFailed()],
    ['JWKSNoMatchingKey', 'AADB2C90233', false, new errors.JWKSNoMatchingKey()],
    ['JWKSMultipleMatchingKeys', 'AADB2C90233', false, new errors.JWKSMultipleMatchingKeys()],
    ['JWKSTimeout', 'AADB2C90210', false, new errors.JWKSTimeout()],
    ['JWKSInvalid', 'AADB2C90210', false, new errors.JWKSInvalid('JSON Web Key Set malformed')],
    ['JWTExpired', 'AADB2C90208', false, new errors.JWTExpired('expired', {}, 'exp', 'check_failed')],
    ['JWTClaimValidationFailed (nbf)', 'TESSERA_HINT_NOT_YET_VALID', false, new errors.JWTClaimValidationFailed('nbf', {}, 'nbf', 'check_failed')],
    ['JWTClaimValidationFailed (iss)', 'AADB2C90232', false, new errors.JWTClaimValidationFailed('iss', {}, 'iss', 'check_failed')],
    ['JWTClaimValidationFailed (aud)', 'AADB2C90209', false, new errors.JWTClaimValidationFailed('aud', {}, 'aud', 'check_failed')],
    ['JWTClaimValidationFailed (other)', 'AADB2C90210', false, new errors.JWTClaimValidationFailed('sub', {}, 'sub', 'missing')],
    ['JOSENotSupported (crit)', 'AADB2C90210', false, new errors.JOSENotSupported('Extension Header Parameter "x" is not recognized')],
    ['JOSENotSupported (other)', 'AADB2C90210', false, new errors.JOSENotSupported('Unsupported "alg" value')],
    ['JWSInvalid', 'AADB2C90210', false, new errors.JWSInvalid('Invalid Compact JWS')],
    ['JWTInvalid', 'AADB2C90210', false, new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object')],
    ['JWKInvalid', 'AADB2C90210', false, new errors.JWKInvalid('bad')],
    ['plain JOSEError', 'AADB2C90210', false, new errors.JOSEError('Expected 200 OK')],
    ['TypeError from jose', 'AADB2C90210', true, new TypeError('RS256 requires key modulusLength to be 2048 bits or larger')],
    ['anything else', 'AADB2C90210', true, new RangeError('boom')],
    ['a thrown string', 'AADB2C90210', true, 'boom'],
  ])('maps %s to %s (logged as unexpected: %s)', (_name, code, unexpected, error) => {
    const sut = toHintValidationError(error, profile, token);
    expect(sut.error).toBeInstanceOf(HintValidationError);
    expect(sut.error.code).toBe(code);
    expect(sut.error.status).toBe(400);
    expect(sut.unexpected).toBe(unexpected);
    expect(sut.error.description.length).toBeGreaterThan(10);
  });

  it('passes a HintValidationError through unchanged', () => {
    const original = new HintValidationError('expired', 'the token expired');
    expect(toHintValidationError(original, profile, token).error).toBe(original);
  });

  it('names the alg and kid from the token where they explain the rejection', () => {
    expect(toHintValidationError(new errors.JOSEAlgNotAllowed('x'), profile, token).error.description).toBe(
      'the token\'s alg "none" is not accepted by profile p (accepted: HS256)',
    );
    expect(toHintValidationError(new errors.JWKSNoMatchingKey(), profile, token).error.description).toMatch(/kid "k-1"/);
  });

  it('shows nothing of an unforeseen error’s message', () => {
    const sut = toHintValidationError(new TypeError('Cannot read properties of undefined (reading "secret")'), profile, token);
    expect(sut.error.description).toBe('the token could not be validated with this profile');
  });
});
