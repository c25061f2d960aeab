import { decodeProtectedHeader } from 'jose';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyCompactStrict } from './jws-verifier';
import { importVerificationJwk, selectFromJwkSet, type StrictAlgorithm } from './verification-key';

/**
 * Project Wycheproof JSON Web Signature vectors (C2SP/wycheproof at dac1dd47, see
 * ../shared/vectors/README.md), run through the validator's own verification core: the
 * algorithm is pinned to the key's `alg` (or supplied for keys without one), never read from
 * the token, and every case must be accepted exactly when it is labelled valid.
 */
const DIR = resolve(__dirname, '../../../shared/vectors/wycheproof');
type File = 'json_web_signature_test.json' | 'json_web_key_test.json' | 'json_web_crypto_test.json';

interface Jwk {
  kty?: string;
  alg?: string;
  crv?: string;
  kid?: string;
  [k: string]: unknown;
}
interface KeySet {
  keys: Jwk[];
}
const isSet = (k: Jwk | KeySet): k is KeySet => Array.isArray((k as KeySet).keys);
interface Group {
  comment: string;
  public?: Jwk | KeySet;
  private: Jwk | KeySet;
  tests: { tcId: number; comment: string; jws?: unknown; jwe?: unknown; result: 'valid' | 'invalid' }[];
}

/** Groups that do not apply to a HS256/RS256/PS256/ES256 verifier, by file and group index. */
const EXCLUDED_GROUPS: { file: File; group: number; reason: string }[] = [
  { file: 'json_web_signature_test.json', group: 4, reason: 'RS384: not an accepted algorithm' },
  { file: 'json_web_signature_test.json', group: 5, reason: 'RS512: not an accepted algorithm' },
  { file: 'json_web_signature_test.json', group: 7, reason: 'PS384: not an accepted algorithm' },
  { file: 'json_web_signature_test.json', group: 8, reason: 'PS512: not an accepted algorithm' },
  { file: 'json_web_signature_test.json', group: 10, reason: 'RFC 7520 §4.2: key says PS256 but the JWS is PS384 (labelled valid); pinning alg to the key rejects it' },
  { file: 'json_web_signature_test.json', group: 11, reason: 'RFC 7520 §4.3: ES512 with the unregistered key alg "ES521"' },
  { file: 'json_web_signature_test.json', group: 14, reason: 'RFC 7520 §4.2 with key_ops: key says PS256 but the JWS is PS384' },
  { file: 'json_web_signature_test.json', group: 15, reason: 'RFC 7520 §4.3 with key_ops: ES512 with the unregistered key alg "ES521"' },
  { file: 'json_web_key_test.json', group: 9, reason: 'HS384: not an accepted algorithm' },
  { file: 'json_web_key_test.json', group: 10, reason: 'HS512: not an accepted algorithm' },
  { file: 'json_web_key_test.json', group: 12, reason: 'HS384: not an accepted algorithm' },
  { file: 'json_web_key_test.json', group: 13, reason: 'HS512: not an accepted algorithm' },
  { file: 'json_web_key_test.json', group: 15, reason: 'HS384: not an accepted algorithm' },
  { file: 'json_web_key_test.json', group: 16, reason: 'HS512: not an accepted algorithm' },
  { file: 'json_web_crypto_test.json', group: 6, reason: 'JWE (A256KW/A256CBC-HS512): Tessera validates signed tokens only' },
  { file: 'json_web_crypto_test.json', group: 7, reason: 'JWE (ECDH-ES+A128KW): Tessera validates signed tokens only' },
];

/**
 * Cases whose upstream label is known to be wrong (README "Known issues"): they still run, and
 * the test pins what this verifier does with them instead of the label.
 */
const LABEL_OVERRIDES: { file: File; tcId: number; accepted: boolean; reason: string }[] = [
  { file: 'json_web_signature_test.json', tcId: 367, accepted: true, reason: 'labelled invalid but byte-identical to tcId 357 (valid); C2SP/wycheproof#236' },
  { file: 'json_web_signature_test.json', tcId: 370, accepted: true, reason: 'labelled invalid but byte-identical to tcId 357 (valid); C2SP/wycheproof#236' },
  { file: 'json_web_signature_test.json', tcId: 372, accepted: false, reason: 'labelled valid but has "?" inside the header; strict base64url (RFC 7515 §2) refuses it' },
  { file: 'json_web_signature_test.json', tcId: 373, accepted: false, reason: 'labelled valid but has "?" inside the payload; strict base64url (RFC 7515 §2) refuses it' },
  { file: 'json_web_key_test.json', tcId: 7, accepted: true, reason: 'ROCA-vulnerable RSA key: the signature is valid and ROCA keys are not detected' },
  { file: 'json_web_crypto_test.json', tcId: 46, accepted: true, reason: 'ROCA-vulnerable RSA key: the signature is valid and ROCA keys are not detected' },
];

/** What must run, from the README's scope for a HS256/RS256/PS256/ES256 strict verifier. */
const EXPECTED_COUNTS: Record<File, { run: number; labelledValid: number }> = {
  'json_web_signature_test.json': { run: 364, labelledValid: 26 },
  'json_web_key_test.json': { run: 20, labelledValid: 3 },
  'json_web_crypto_test.json': { run: 49, labelledValid: 4 },
};

interface Case {
  file: File;
  group: number;
  tcId: number;
  comment: string;
  jws: unknown;
  keys: Jwk | KeySet;
  expected: boolean;
  label: 'valid' | 'invalid';
}

function load(file: File): Case[] {
  const data = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { testGroups: Group[] };
  const cases: Case[] = [];
  data.testGroups.forEach((group, index) => {
    if (EXCLUDED_GROUPS.some((x) => x.file === file && x.group === index)) return;
    for (const t of group.tests) {
      const override = LABEL_OVERRIDES.find((o) => o.file === file && o.tcId === t.tcId);
      cases.push({
        file,
        group: index,
        tcId: t.tcId,
        comment: t.comment,
        jws: t.jws,
        // README step 1: the public key when there is one, otherwise the private (members ignored).
        keys: group.public ?? group.private,
        expected: override ? override.accepted : t.result === 'valid',
        label: t.result,
      });
    }
  });
  return cases;
}

/** Keys without `alg` (signature groups 17–20) get it from the caller, by key type. */
function callerAlgorithm(jwk: Jwk): string {
  if (jwk.alg !== undefined) return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'oct') return 'HS256';
  return 'none';
}

/** Accept or reject, the way the validator would: key chosen by the verifier, alg pinned to it. */
async function accepts(c: Case): Promise<boolean> {
  try {
    let jwk: Jwk;
    if (isSet(c.keys)) {
      // A set: the kid selects (as a JWKS would); the header is only read for its kid.
      const header = typeof c.jws === 'string' ? decodeProtectedHeader(c.jws) : {};
      const set = c.keys;
      const alg = callerAlgorithm(set.keys.find((k) => k.kid === header.kid) ?? set.keys[0]);
      const key = await selectFromJwkSet(set, header, alg);
      await verifyCompactStrict(c.jws, key, { algorithms: [alg as StrictAlgorithm], maxLength: 64 * 1024 });
      return true;
    }
    jwk = c.keys;
    const alg = callerAlgorithm(jwk);
    const key = await importVerificationJwk(jwk, alg);
    await verifyCompactStrict(c.jws, key, { algorithms: [alg as StrictAlgorithm], maxLength: 64 * 1024 });
    return true;
  } catch {
    return false;
  }
}

const files: File[] = ['json_web_signature_test.json', 'json_web_key_test.json', 'json_web_crypto_test.json'];

describe.each(files)('Wycheproof %s', (file) => {
  const cases = load(file);

  it('runs every applicable case, no fewer', () => {
    expect({ run: cases.length, labelledValid: cases.filter((c) => c.label === 'valid').length }).toEqual(EXPECTED_COUNTS[file]);
    for (const o of LABEL_OVERRIDES.filter((x) => x.file === file)) {
      expect(cases.map((c) => c.tcId)).toContain(o.tcId);
    }
  });

  it.each(cases.map((c) => [c.tcId, c.comment, c.expected ? 'accept' : 'reject', c] as const))('tcId %i (%s): %s', async (_id, _comment, _verdict, c) => {
    expect(await accepts(c)).toBe(c.expected);
  });
});

describe('Wycheproof exclusions', () => {
  const accepted = ['HS256', 'RS256', 'PS256', 'ES256'];

  it.each(EXCLUDED_GROUPS.map((x) => [x.file, x.group, x.reason, x] as const))('%s group %i is out of scope: %s', (_f, _g, _r, x) => {
    const data = JSON.parse(readFileSync(join(DIR, x.file), 'utf8')) as { testGroups: Group[] };
    const group = data.testGroups[x.group];
    const key = group.public ?? group.private;
    const keyAlg = isSet(key) ? key.keys[0].alg : key.alg;
    const first = group.tests[0];
    // Out of scope means: encrypted, or the key's algorithm is not accepted, or the signature
    // uses another algorithm than the key names. Anything else must run.
    const headerAlg = typeof first.jws === 'string' ? decodeProtectedHeader(first.jws).alg : undefined;
    const outOfScope = first.jwe !== undefined || !accepted.includes(String(keyAlg)) || (headerAlg !== undefined && headerAlg !== keyAlg);
    expect(outOfScope).toBe(true);
  });
});
