import { compactVerify, type CompactJWSHeaderParameters, type CompactVerifyResult } from 'jose';
import { assertCompactJws, JwsFormatError } from './compact-jws';
import type { StrictAlgorithm, VerificationKey } from './verification-key';

export type KeySource = VerificationKey | ((header: CompactJWSHeaderParameters) => Promise<VerificationKey>);

export interface StrictVerifyOptions {
  /** The algorithms the key source is for. Any other header `alg` (`none` included) fails. */
  algorithms: readonly StrictAlgorithm[];
  /** Longer input is refused before it is split or decoded. */
  maxLength: number;
}

/**
 * The verification core shared by the hint validator and the Wycheproof/RFC vector tests:
 * shape checks first (`compact-jws.ts`), then `jose.compactVerify` with the algorithm list
 * pinned by the caller. jose checks `crit` (RFC 7515 §4.1.11: unknown extensions fail) and
 * `alg` before it asks for a key, so a refused token never causes a key fetch.
 */
export async function verifyCompactStrict(token: unknown, key: KeySource, options: StrictVerifyOptions): Promise<CompactVerifyResult> {
  assertCompactJws(token, options.maxLength);
  const resolve = async (header: CompactJWSHeaderParameters): Promise<VerificationKey> => {
    // RFC 7797 unencoded payloads have no place here: a JWT's claims are always base64url
    // (RFC 7519 §7.2 step 7), and honouring `b64: false` would change what is signed.
    if (Object.hasOwn(header, 'b64')) throw new JwsFormatError('the "b64" header (RFC 7797 unencoded payload) is not accepted');
    return typeof key === 'function' ? key(header) : key;
  };
  return compactVerify(token, resolve, { algorithms: [...options.algorithms] });
}
