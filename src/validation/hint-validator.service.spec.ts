import { base64url, generateKeyPair } from 'jose';
import { createHmac } from 'node:crypto';
import { FixedClock } from '../common/clock';
import { buildValidator, claimsAt, rejection, signRaw } from './hint-validator.test-utils';

const SECRET = 'the shared secret is at least 32 bytes long';
const KEY = new TextEncoder().encode(SECRET);
const ISSUER = 'https://partner.example.com';
const AUDIENCE = 'b2c-signup';
const NOW = Math.floor(Date.UTC(2026, 0, 1) / 1000);

const profile = {
  id: 'partner',
  kind: 'symmetric',
  issuer: ISSUER,
  audience: AUDIENCE,
  secret: SECRET,
  outputClaims: [
    { claimType: 'email', required: true },
    { claimType: 'displayName', partnerClaimType: 'name', defaultValue: 'Friend' },
    { claimType: 'source', defaultValue: 'invitation', alwaysUseDefaultValue: true },
  ],
};

describe('HintValidatorService (symmetric profile)', () => {
  const clock = new FixedClock(NOW * 1000);
  const { sut } = buildValidator([profile], clock);
  const hs256 = (payload: unknown, header: Record<string, unknown> = {}) => signRaw(KEY, { alg: 'HS256', typ: 'JWT', ...header }, payload);
  const claims = (extra: Record<string, unknown> = {}) => claimsAt(NOW, ISSUER, AUDIENCE, { email: 'ada@example.com', ...extra });

  it('accepts a good token and returns mapped claims, header and payload', async () => {
    const token = await hs256(claims({ name: 'Ada', source: 'token-says-otherwise' }));
    const result = await sut.validate('partner', token);
    expect(result.claims).toEqual({ email: 'ada@example.com', displayName: 'Ada', source: 'invitation' });
    expect(result.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(result.payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, name: 'Ada' });
    expect(result.profile).toBe('partner');
  });

  it('uses the UTF-8 bytes of the secret as the key, as B2C does (not a base64 decoding)', async () => {
    const decoded = base64url.decode(base64url.encode(SECRET).replace(/=+$/, ''));
    expect(Buffer.from(decoded).equals(Buffer.from(KEY))).toBe(true);
    const b64Secret = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0';
    const { sut: b64 } = buildValidator([{ ...profile, id: 'b64', secret: b64Secret }], clock);
    const signedWithDecoded = await signRaw(Buffer.from(b64Secret, 'base64'), { alg: 'HS256' }, claims());
    expect((await rejection(b64.validate('b64', signedWithDecoded))).code).toBe('AADB2C90233');
    const signedWithUtf8 = await signRaw(new TextEncoder().encode(b64Secret), { alg: 'HS256' }, claims());
    expect((await b64.validate('b64', signedWithUtf8)).claims.email).toBe('ada@example.com');
  });

  it('answers an unknown profile with its own code, naming the configured ones', async () => {
    const error = await rejection(sut.validate('nope', await hs256(claims())));
    expect(error.code).toBe('TESSERA_HINT_UNKNOWN_PROFILE');
    expect(error.body()).toEqual({ error: 'invalid_request', code: 'TESSERA_HINT_UNKNOWN_PROFILE', description: 'there is no hint profile "nope"; configured profiles: partner' });
  });

  describe('lifetime', () => {
    it.each([
      ['exactly at exp + skew', { exp: NOW - 300, nbf: NOW - 900, iat: NOW - 900 }, 'AADB2C90208'],
      ['long expired', { exp: NOW - 86400, nbf: NOW - 90000, iat: NOW - 90000 }, 'AADB2C90208'],
      ['nbf beyond the skew', { nbf: NOW + 301, exp: NOW + 3600 }, 'TESSERA_HINT_NOT_YET_VALID'],
    ])('rejects a token %s', async (_name, extra, code) => {
      const error = await rejection(sut.validate('partner', await hs256(claims(extra))));
      expect(error.code).toBe(code);
    });

    it.each([
      ['expired within the skew', { exp: NOW - 299, nbf: NOW - 900, iat: NOW - 900 }],
      ['with nbf within the skew', { nbf: NOW + 300, exp: NOW + 3600 }],
      ['with iat within the skew', { iat: NOW + 300 }],
      ['without iat', { iat: undefined }],
    ])('accepts a token %s', async (_name, extra) => {
      await expect(sut.validate('partner', await hs256(claims(extra)))).resolves.toBeDefined();
    });

    it('says when the token expired', async () => {
      const error = await rejection(sut.validate('partner', await hs256(claims({ exp: NOW - 3600, nbf: NOW - 7200, iat: NOW - 7200 }))));
      expect(error.body()).toEqual({
        error: 'invalid_token',
        code: 'AADB2C90208',
        description: `the token expired at 2025-12-31T23:00:00.000Z (exp ${NOW - 3600}); ask the issuer for a new one`,
      });
    });

    it.each([
      ['missing exp', { exp: undefined }, /no exp \(expiry\) claim/],
      ['missing nbf', { nbf: undefined }, /no nbf \(not-before\) claim/],
      ['exp in milliseconds', { exp: (NOW + 600) * 1000 }, /exp \(\d+\) looks like milliseconds/],
      ['nbf in milliseconds', { nbf: (NOW - 5) * 1000 }, /nbf \(\d+\) looks like milliseconds/],
      ['iat in milliseconds', { iat: (NOW - 5) * 1000 }, /iat \(\d+\) looks like milliseconds/],
      ['a fractional exp', { exp: NOW + 600.5 }, /exp \(\S+\) must be a whole, non-negative number of seconds/],
      ['a negative nbf', { nbf: -5 }, /nbf \(-5\) must be a whole, non-negative/],
      ['a string exp', { exp: String(NOW + 600) }, /exp must be a number of seconds since 1970 .* not a string/],
      ['a boolean nbf', { nbf: true }, /nbf must be a number/],
      ['nbf after exp', { nbf: NOW + 700, exp: NOW + 600 }, /nbf \(\d+\) is not before its exp/],
      ['iat in the future', { iat: NOW + 3600 }, /iat .* is in the future/],
    ])('rejects %s as malformed, saying why', async (_name, extra, description) => {
      const error = await rejection(sut.validate('partner', await hs256(claims(extra))));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(description);
    });
  });

  describe('issuer and audience', () => {
    it.each([
      ['another issuer', { iss: 'https://evil.example.com' }, 'AADB2C90232', /issuer "https:\/\/evil\.example\.com" is not the issuer this profile trusts/],
      ['an issuer differing by a trailing slash', { iss: `${ISSUER}/` }, 'AADB2C90232', /not the issuer/],
      ['no issuer', { iss: undefined }, 'AADB2C90232', /no iss/],
      ['another audience', { aud: 'other-app' }, 'AADB2C90209', /audience "other-app" does not include "b2c-signup"/],
      ['an audience list without ours', { aud: ['a', 'b'] }, 'AADB2C90209', /does not include/],
      ['no audience', { aud: undefined }, 'AADB2C90209', /no aud/],
      ['a numeric audience', { aud: 42 }, 'AADB2C90209', /must be a string or an array of strings/],
    ])('rejects %s', async (_name, extra, code, description) => {
      const error = await rejection(sut.validate('partner', await hs256(claims(extra))));
      expect(error.code).toBe(code);
      expect(error.description).toMatch(description);
    });

    it('accepts an audience list that contains ours', async () => {
      await expect(sut.validate('partner', await hs256(claims({ aud: ['other', AUDIENCE] })))).resolves.toBeDefined();
    });
  });

  describe('output claims', () => {
    it('fails when a required claim is missing, naming it', async () => {
      const error = await rejection(sut.validate('partner', await hs256(claims({ email: undefined }))));
      expect(error.body()).toEqual({ error: 'invalid_token', code: 'TESSERA_HINT_MISSING_CLAIM', description: 'the token lacks the required claim "email" (profile partner)' });
    });

    it('applies defaults when the claim is absent', async () => {
      expect((await sut.validate('partner', await hs256(claims()))).claims.displayName).toBe('Friend');
    });
  });

  describe('attacks and broken input', () => {
    it('refuses alg none, in every spelling, with or without a signature', async () => {
      const body = base64url.encode(JSON.stringify(claims()));
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const header = base64url.encode(JSON.stringify({ alg, typ: 'JWT' }));
        const unsigned = await rejection(sut.validate('partner', `${header}.${body}.`));
        expect(unsigned.code).toBe('AADB2C90210');
        expect(unsigned.description).toMatch(/signature part is empty/);
        const withSignature = await rejection(sut.validate('partner', `${header}.${body}.${base64url.encode('x'.repeat(32))}`));
        expect(withSignature.code).toBe('AADB2C90233');
        expect(withSignature.description).toBe(`the token's alg "${alg}" is not accepted by profile partner (accepted: HS256)`);
      }
    });

    it('refuses RS256 and other algorithms on an HS256 profile', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const error = await rejection(sut.validate('partner', await signRaw(privateKey, { alg: 'RS256' }, claims())));
      expect(error.code).toBe('AADB2C90233');
      const hs512 = await rejection(sut.validate('partner', await signRaw(new Uint8Array(64).fill(7), { alg: 'HS512' }, claims())));
      expect(hs512.description).toMatch(/alg "HS512" is not accepted/);
    });

    it('refuses a token signed with another secret', async () => {
      const forged = await signRaw(new TextEncoder().encode('another secret that is long enough!!'), { alg: 'HS256' }, claims());
      const error = await rejection(sut.validate('partner', forged));
      expect(error.code).toBe('AADB2C90233');
      expect(error.description).toMatch(/signature does not verify/);
    });

    it('refuses a modified payload and a modified signature', async () => {
      const [h, p, s] = (await hs256(claims())).split('.');
      const tamperedPayload = base64url.encode(JSON.stringify(claims({ email: 'mallory@example.com' })));
      expect((await rejection(sut.validate('partner', `${h}.${tamperedPayload}.${s}`))).code).toBe('AADB2C90233');
      const sig = Buffer.from(base64url.decode(s));
      sig[0] ^= 1;
      expect((await rejection(sut.validate('partner', `${h}.${p}.${base64url.encode(sig)}`))).code).toBe('AADB2C90233');
    });

    it('refuses a non-canonical encoding of a valid signature', async () => {
      // Flip unused low bits of the last character: atob-style decoders would accept it.
      const token = await hs256(claims());
      const last = token[token.length - 1];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(last) + 1];
      const error = await rejection(sut.validate('partner', token.slice(0, -1) + sibling));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(/not canonical base64url/);
    });

    it('refuses an unknown critical header, and b64=false', async () => {
      // jose will not sign an extension it does not know either, so this one is HMACed by hand.
      const header = base64url.encode(JSON.stringify({ alg: 'HS256', crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }));
      const signingInput = `${header}.${base64url.encode(JSON.stringify(claims()))}`;
      const mac = createHmac('sha256', KEY).update(signingInput).digest('base64url');
      const crit = await rejection(sut.validate('partner', `${signingInput}.${mac}`));
      expect(crit.code).toBe('AADB2C90210');
      expect(crit.description).toMatch(/"urn:example:must-understand" is not recognized/);

      // RFC 7797: the payload part is signed as it stands; it would verify if b64 were honoured.
      const unencodedInput = `${base64url.encode(JSON.stringify({ alg: 'HS256', b64: false, crit: ['b64'] }))}.abc`;
      const unencoded = `${unencodedInput}.${createHmac('sha256', KEY).update(unencodedInput).digest('base64url')}`;
      const b64 = await rejection(sut.validate('partner', unencoded));
      expect(b64.code).toBe('AADB2C90210');
      expect(b64.description).toMatch(/"b64" header \(RFC 7797 unencoded payload\) is not accepted/);
    });

    it('refuses tokens of 1 MB before parsing them', async () => {
      const huge = `${'a'.repeat(500_000)}.${'b'.repeat(500_000)}.${'c'.repeat(48_576)}`;
      const error = await rejection(sut.validate('partner', huge));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toBe('the token is malformed: the token is 1048578 characters long; at most 8192 are accepted');
      const validButLong = await hs256(claims({ padding: 'x'.repeat(9000) }));
      expect((await rejection(sut.validate('partner', validButLong))).description).toMatch(/at most 8192/);
    });

    it.each([
      ['an empty string', '', /the token is empty/],
      ['a number', 42, /must be a string/],
      ['null', null, /must be a string/],
      ['two parts', 'eyJhbGciOiJIUzI1NiJ9.e30', /three dot-separated parts; this token has 2/],
      ['a JWE', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aGVsbG8.aGVsbG8.aGVsbG8', /encrypted JWT \(JWE/],
      ['JSON serialization', '{"payload":"e30","protected":"eyJhbGciOiJIUzI1NiJ9","signature":"abc"}', /three dot-separated parts/],
      ['padding', 'eyJhbGciOiJIUzI1NiJ9.e30=.c2ln', /not base64url/],
      ['whitespace', 'eyJhbGciOiJIUzI1NiJ9 .e30.c2ln', /not base64url/],
      ['a header that is not JSON', `${base64url.encode('not json')}.e30.c2ln`, /malformed/],
      ['a header that is a JSON array', `${base64url.encode('[1]')}.e30.c2ln`, /malformed/],
    ])('refuses %s as malformed', async (_name, token, description) => {
      const error = await rejection(sut.validate('partner', token as string));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(description);
    });

    it.each([
      ['an array', [1, 2]],
      ['a string', 'just text'],
      ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])],
    ])('refuses a correctly signed payload that is %s', async (_name, payload) => {
      const token = await signRaw(KEY, { alg: 'HS256' }, payload);
      const error = await rejection(sut.validate('partner', token));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(/claims set|JSON object/);
    });

    it('turns every mangled token into a coded rejection, never another error', async () => {
      const good = await hs256(claims());
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u0000é{}"';
      for (let i = 0; i < 300; i++) {
        const chars = good.split('');
        const edits = 1 + Math.floor(random() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(random() * chars.length);
          const op = random();
          if (op < 0.4) chars[at] = alphabet[Math.floor(random() * alphabet.length)];
          else if (op < 0.7) chars.splice(at, 1);
          else chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]);
        }
        const mangled = chars.join('');
        if (mangled === good) continue;
        const error = await rejection(sut.validate('partner', mangled));
        expect(error.code).toMatch(/^(AADB2C902(08|09|10|32|33)|TESSERA_HINT_)/);
        expect(error.status).toBe(400);
      }
    });
  });
});
