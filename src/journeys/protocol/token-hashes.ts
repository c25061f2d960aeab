import { createHash } from 'node:crypto';

/**
 * `c_hash` and `at_hash` (OpenID Connect Core §3.3.2.11 and §3.1.3.6): the base64url encoding
 * of the left-most half of the hash of the ASCII octets of the value, with the hash of the ID
 * token's `alg` — SHA-256 for RS256, the only algorithm Tessera signs ID tokens with.
 */
export function leftHalfSha256(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
