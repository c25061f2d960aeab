import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { FixedClock } from '../common/clock';
import { InvalidRequestError, NotFoundError } from '../common/errors';
import { Random } from '../common/random';
import { loadConfig } from '../config/config.loader';
import type { ActiveSigningKey, HmacSecret, KeyStoreService } from '../keys/key-store.service';
import { TokensService } from './tokens.service';

const ISSUER = 'https://issuer.example.com/tenant/v2.0/'; // a trailing slash must survive byte for byte
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

/** The key store is not what these tests are about: a fixed active key and one HS256 secret. */
class FixedKeyStore {
  constructor(
    readonly active: ActiveSigningKey,
    readonly secrets: Record<string, HmacSecret>,
  ) {}
  async getActiveSigningKey(): Promise<ActiveSigningKey> {
    return this.active;
  }
  async getHmacSecret(name: string): Promise<HmacSecret> {
    const secret = this.secrets[name];
    if (!secret) throw new NotFoundError(`no HS256 secret named "${name}"`);
    return secret;
  }
}

describe('TokensService', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey: KeyObject = createPublicKey(privateKey);
  // A base64 string, as B2C generates them: its UTF-8 bytes are the key, not what it decodes to.
  const hmac: HmacSecret = { name: 'b2c', kid: 'hs-kid-1', secret: 'q1Zq0XbM1mQnvHkY3mR3bq5WZ2vTqJr0p1s8Vb2cYxE=' };
  const keys = new FixedKeyStore({ kid: 'rsa-kid-1', alg: 'RS256', privateKey, x5t: 'x5t-of-the-cert' }, { b2c: hmac });
  const clock = new FixedClock(NOW);
  const { config } = loadConfig({
    env: { PUBLIC_URL: 'https://issuer.example.com', ISSUER, LOG_LEVEL: 'silent' },
    overrides: { tokens: { maxLifetimeSeconds: 7200, defaultLifetimeSeconds: 600 } },
    cwd: mkdtempSync(join(tmpdir(), 'tessera-tokens-')),
  });
  const sut = new TokensService(config, keys as unknown as KeyStoreService, clock, new Random());
  const nowSeconds = NOW / 1000;

  async function refusal(input: Parameters<TokensService['mint']>[0]): Promise<InvalidRequestError> {
    const e = await sut.mint(input).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(InvalidRequestError);
    return e as InvalidRequestError;
  }

  it('signs RS256 with the active key: header alg, kid, typ and x5t; registered claims in integer seconds', async () => {
    const minted = await sut.mint({ audience: 'rp-client-id', subject: 'user-1', claims: { email: 'a@example.com' } });

    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'RS256', kid: 'rsa-kid-1', typ: 'JWT', x5t: 'x5t-of-the-cert' });
    const { payload } = await jwtVerify(minted.token, publicKey, {
      issuer: ISSUER,
      audience: 'rp-client-id',
      currentDate: new Date(NOW),
      algorithms: ['RS256'],
    });
    expect(payload).toEqual({
      email: 'a@example.com',
      iss: ISSUER,
      sub: 'user-1',
      aud: 'rp-client-id',
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + 600,
      jti: minted.jti,
    });
    expect(minted).toMatchObject({ kid: 'rsa-kid-1', alg: 'RS256', iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + 600 });
    expect(minted.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps several audiences, a given jti, notBefore and lifetime', async () => {
    const minted = await sut.mint({ audience: ['a', 'b'], jti: 'invitation-7', notBefore: nowSeconds + 60, lifetimeSeconds: 120 });
    const { payload } = await jwtVerify(minted.token, publicKey, { currentDate: new Date(NOW + 90_000) });
    expect(payload).toMatchObject({ aud: ['a', 'b'], jti: 'invitation-7', nbf: nowSeconds + 60, exp: nowSeconds + 180 });
  });

  it('signs HS256 with the UTF-8 bytes of the secret string, kid = the secret id, no x5t', async () => {
    const minted = await sut.mint({ audience: 'rp', signing: { alg: 'HS256', secret: 'b2c' } });

    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'HS256', kid: 'hs-kid-1', typ: 'JWT' });
    await expect(jwtVerify(minted.token, new TextEncoder().encode(hmac.secret), { currentDate: new Date(NOW) })).resolves.toBeDefined();
    // Not the base64-decoded bytes: that is not what B2C signs with.
    await expect(jwtVerify(minted.token, Buffer.from(hmac.secret, 'base64'), { currentDate: new Date(NOW) })).rejects.toThrow(/signature/);
    expect(minted).toMatchObject({ alg: 'HS256', kid: 'hs-kid-1' });
  });

  it('names an unknown HS256 secret', async () => {
    await expect(sut.mint({ audience: 'rp', signing: { alg: 'HS256', secret: 'missing' } })).rejects.toThrow(NotFoundError);
  });

  it.each(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti'])('refuses a caller claim named %s instead of letting it through', async (name) => {
    const e = await refusal({ audience: 'rp', claims: { [name]: 'override' } });
    expect(e.details).toEqual([{ field: `claims.${name}`, problem: expect.stringContaining(`"${name}" is a registered claim`) }]);
  });

  it('refuses sub as a claim when subject is given, and accepts it otherwise', async () => {
    const e = await refusal({ audience: 'rp', subject: 's', claims: { sub: 'other' } });
    expect(e.description).toMatch(/^claims.sub: /);
    const minted = await sut.mint({ audience: 'rp', claims: { sub: 'from-claims' } });
    const { payload } = await jwtVerify(minted.token, publicKey, { currentDate: new Date(NOW) });
    expect(payload.sub).toBe('from-claims');
  });

  it('refuses a lifetime over the cap instead of clamping it', async () => {
    const e = await refusal({ audience: 'rp', lifetimeSeconds: 7201 });
    expect(e.description).toBe('lifetimeSeconds: is 7201; tokens.maxLifetimeSeconds caps it at 7200');
    await expect(sut.mint({ audience: 'rp', lifetimeSeconds: 7200 })).resolves.toMatchObject({ exp: nowSeconds + 7200 });
  });

  it('refuses a notBefore that would carry exp past the cap from now', async () => {
    const e = await refusal({ audience: 'rp', notBefore: nowSeconds + 3600, lifetimeSeconds: 3601 });
    expect(e.details?.[0].field).toBe('notBefore');
  });

  it.each([
    ['an empty audience', { audience: '' }, 'audience'],
    ['no audience at all', { audience: [] }, 'audience'],
    ['a non-string audience entry', { audience: ['ok', 5 as unknown as string] }, 'audience[1]'],
    ['a fractional lifetime', { audience: 'rp', lifetimeSeconds: 1.5 }, 'lifetimeSeconds'],
    ['a zero lifetime', { audience: 'rp', lifetimeSeconds: 0 }, 'lifetimeSeconds'],
    ['a millisecond notBefore', { audience: 'rp', notBefore: 1.5 }, 'notBefore'],
    ['an empty jti', { audience: 'rp', jti: '' }, 'jti'],
    ['claims that are an array', { audience: 'rp', claims: [] as unknown as Record<string, unknown> }, 'claims'],
    ['a BigInt claim', { audience: 'rp', claims: { n: BigInt(1) } }, 'claims'],
    ['an unknown algorithm', { audience: 'rp', signing: { alg: 'none' } as never }, 'signing.alg'],
  ])('refuses %s, naming the field', async (_what, input, field) => {
    const e = await refusal(input as Parameters<TokensService['mint']>[0]);
    expect(e.details?.[0].field).toBe(field);
  });
});
