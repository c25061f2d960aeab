import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyCompactStrict } from './jws-verifier';
import { importVerificationJwk, type StrictAlgorithm } from './verification-key';

/**
 * RFC 7515 Appendix A and RFC 7520 §4 examples (../shared/vectors, see its README), through
 * the validator's verification core with the algorithm supplied by the caller.
 */
const VECTORS = resolve(__dirname, '../../../shared/vectors');
const text = (path: string) => readFileSync(join(VECTORS, path), 'utf8').trim();

async function accepts(token: string, jwk: Record<string, unknown>, alg: string): Promise<boolean> {
  try {
    const key = await importVerificationJwk(jwk, alg);
    await verifyCompactStrict(token, key, { algorithms: [alg as StrictAlgorithm], maxLength: 64 * 1024 });
    return true;
  } catch {
    return false;
  }
}

describe('RFC 7515 Appendix A', () => {
  // The keys carry no `alg`: the caller names it, as a profile does.
  const keys: Record<string, { alg: string; jwk: Record<string, unknown> }> = {
    'A.1': { alg: 'HS256', jwk: JSON.parse(text('rfc7515-appendix-a/rfc7515_A.1.jwk')) },
    'A.2': { alg: 'RS256', jwk: JSON.parse(text('rfc7515-appendix-a/rfc7515_A.2.jwk')) },
    'A.3': { alg: 'ES256', jwk: JSON.parse(text('rfc7515-appendix-a/rfc7515_A.3.jwk')) },
    'A.4': { alg: 'ES512', jwk: JSON.parse(text('rfc7515-appendix-a/rfc7515_A.4.jwk')) },
  };
  const tokens: Record<string, string> = {
    'A.1': text('rfc7515-appendix-a/rfc7515_A.1.jwsc'),
    'A.2': text('rfc7515-appendix-a/rfc7515_A.2.jwsc'),
    'A.3': text('rfc7515-appendix-a/rfc7515_A.3.jwsc'),
    'A.4': text('rfc7515-appendix-a/rfc7515_A.4.jwsc'),
    'A.5': text('rfc7515-appendix-a/rfc7515_A.5.jwsc'),
  };
  // A.1–A.3 verify with their own key only. A.4 is ES512, which the verifier does not accept;
  // A.5 is `alg: none`, which nothing accepts. A.6/A.7 are JSON serializations: not applicable.
  const matrix = Object.keys(tokens).flatMap((t) =>
    Object.keys(keys).map((k) => [t, k, t === k && ['A.1', 'A.2', 'A.3'].includes(t)] as const),
  );

  it('covers 5 tokens × 4 keys with exactly 3 acceptances', () => {
    expect(matrix).toHaveLength(20);
    expect(matrix.filter(([, , ok]) => ok)).toHaveLength(3);
  });

  it.each(matrix)('%s with the %s key: accepted=%s', async (t, k, expected) => {
    expect(await accepts(tokens[t], keys[k].jwk, keys[k].alg)).toBe(expected);
  });

  it('refuses A.5 (alg none) even when "none" is asked for', async () => {
    await expect(
      verifyCompactStrict(tokens['A.5'], new Uint8Array(32), { algorithms: ['none' as StrictAlgorithm], maxLength: 1024 }),
    ).rejects.toThrow();
  });
});

describe('RFC 7520 §4 (JOSE cookbook)', () => {
  const example = (name: string) =>
    JSON.parse(text(`jose-cookbook/jws/${name}`)) as { input: { key: Record<string, unknown>; alg: string }; output: { compact?: string } };
  const publicPart = (jwk: Record<string, unknown>) => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    return pub;
  };

  it.each([
    ['4_1.rsa_v15_signature.json', true],
    ['4_4.hmac-sha2_integrity_protection.json', true],
    // Not applicable: PS384 and ES512 are not accepted algorithms, so these must be refused.
    ['4_2.rsa-pss_signature.json', false],
    ['4_3.ecdsa_signature.json', false],
  ])('%s compact form: accepted=%s', async (name, expected) => {
    const ex = example(name);
    expect(ex.output.compact).toBeDefined();
    expect(await accepts(ex.output.compact as string, publicPart(ex.input.key), ex.input.alg)).toBe(expected);
  });

  // 4.5 (detached content) does not apply: a hint carries its payload. Its compact form, whose
  // payload part is empty, must not verify as if the payload were empty. 4.6–4.8 are JSON
  // serializations only: not applicable to a compact-only verifier.
  it('does not verify 4.5 (detached content) against an empty payload', async () => {
    const ex = example('4_5.signature_with_detached_content.json');
    expect(await accepts(ex.output.compact as string, ex.input.key, ex.input.alg)).toBe(false);
  });
});
