import { base64url, importJWK, type CryptoKey } from 'jose';

/**
 * Turning a JWK into a verification key, strictly: the algorithm comes from the caller (the
 * profile, or the key's own `alg`), never from a token header, and a key that is not meant for
 * signatures with that algorithm is refused rather than coerced.
 */

export const STRICT_ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256'] as const;
export type StrictAlgorithm = (typeof STRICT_ALGORITHMS)[number];
export type VerificationKey = CryptoKey | Uint8Array;

/** A key that cannot be used to verify with the requested algorithm; the message says why. */
export class KeyRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRejectedError';
  }
}

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const MIN_HMAC_BYTES = 32;
/** RFC 7518 §3.3: RSA keys of 2048 bits or more. */
const MIN_RSA_BITS = 2048;

export function isStrictAlgorithm(alg: unknown): alg is StrictAlgorithm {
  return typeof alg === 'string' && (STRICT_ALGORITHMS as readonly string[]).includes(alg);
}

export async function importVerificationJwk(jwk: unknown, alg: string): Promise<VerificationKey> {
  if (!isStrictAlgorithm(alg)) throw new KeyRejectedError(`the algorithm ${alg} is not supported (only ${STRICT_ALGORITHMS.join(', ')})`);
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new KeyRejectedError('the key is not a JWK object');
  const k = jwk as Record<string, unknown>;
  if (k.alg !== undefined && k.alg !== alg) throw new KeyRejectedError(`the key is for ${String(k.alg)}, not ${alg}`);
  // RFC 7517 §4.2/§4.3: a key marked for encryption, or without the verify operation, is not used to verify.
  if (k.use !== undefined && k.use !== 'sig') throw new KeyRejectedError(`the key's "use" is ${JSON.stringify(k.use)}, not "sig"`);
  if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify'))) {
    throw new KeyRejectedError('the key\'s "key_ops" does not include "verify"');
  }

  if (alg === 'HS256') {
    if (k.kty !== 'oct' || typeof k.k !== 'string') throw new KeyRejectedError('HS256 needs a symmetric ("oct") key');
    const bytes = decodeStrict(k.k, 'k');
    if (bytes.length < MIN_HMAC_BYTES) throw new KeyRejectedError(`the HMAC key is ${bytes.length} bytes; HS256 needs at least ${MIN_HMAC_BYTES}`);
    return bytes;
  }
  if (alg === 'ES256') {
    if (k.kty !== 'EC' || k.crv !== 'P-256') throw new KeyRejectedError('ES256 needs an EC key on P-256');
    return importPublic({ kty: 'EC', crv: 'P-256', x: k.x, y: k.y }, alg);
  }
  if (k.kty !== 'RSA' || typeof k.n !== 'string' || typeof k.e !== 'string') throw new KeyRejectedError(`${alg} needs an RSA key`);
  const bits = bitLength(decodeStrict(k.n, 'n'));
  if (bits < MIN_RSA_BITS) throw new KeyRejectedError(`the RSA key is ${bits} bits; ${alg} needs at least ${MIN_RSA_BITS}`);
  const e = decodeStrict(k.e, 'e');
  // RFC 8017 §3.1: 3 ≤ e, and e odd. e = 1 makes every "signature" its own message.
  if (bitLength(e) < 2 || (e[e.length - 1] & 1) === 0) throw new KeyRejectedError('the RSA public exponent must be odd and at least 3');
  return importPublic({ kty: 'RSA', n: k.n, e: k.e }, alg);
}

/**
 * Picks the key for a token from a JWK Set. Sets that mix symmetric and asymmetric keys, or
 * repeat a `kid`, are refused whole (RFC 7517 §4.5, Wycheproof "MixedKeySet"/"DuplicateKid");
 * otherwise the `kid` selects, and without a `kid` the set must hold exactly one key.
 */
export async function selectFromJwkSet(set: unknown, header: { kid?: unknown }, alg: string): Promise<VerificationKey> {
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k))) {
    throw new KeyRejectedError('the key set is not a JWK Set ({"keys": [ … ]})');
  }
  const jwks = keys as Record<string, unknown>[];
  const symmetric = jwks.filter((k) => k.kty === 'oct').length;
  if (symmetric > 0 && symmetric < jwks.length) throw new KeyRejectedError('the key set mixes symmetric and asymmetric keys');
  const kids = jwks.map((k) => k.kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length) throw new KeyRejectedError('the key set repeats a "kid"');
  const candidates = header.kid === undefined ? jwks : jwks.filter((k) => k.kid === header.kid);
  if (candidates.length === 0) throw new KeyRejectedError('no key in the set has the token\'s "kid"');
  if (candidates.length > 1) throw new KeyRejectedError('the token has no "kid" and the set holds several keys');
  return importVerificationJwk(candidates[0], alg);
}

async function importPublic(jwk: Record<string, unknown>, alg: StrictAlgorithm): Promise<CryptoKey> {
  try {
    return (await importJWK(jwk, alg)) as CryptoKey;
  } catch (e) {
    throw new KeyRejectedError(`the key could not be imported for ${alg}: ${(e as Error).message}`);
  }
}

function decodeStrict(value: string, member: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new KeyRejectedError(`the key member "${member}" is not base64url`);
  try {
    return base64url.decode(value);
  } catch {
    throw new KeyRejectedError(`the key member "${member}" is not base64url`);
  }
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}
