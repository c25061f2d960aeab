import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { Clock, FixedClock } from '../src/common/clock';
import { TokensService } from '../src/tokens/tokens.service';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';
import { keyAndCertificate } from './utils/signing-keys';

const MAX_LIFETIME = 3600;
const MARGIN = 120;
const MIN_PUBLISHED = 600;
const AUTH = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface KeyInfo {
  kid: string;
  state: string;
  published: boolean;
  publishUntil: string | null;
}

jest.setTimeout(30_000);

describe('signing keys over HTTP', () => {
  let t: TestApp;
  let tokens: TokensService;
  /** The app's clock, moved by the tests (the I/O edge for time; everything else is real). */
  const time = new FixedClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        tokens: { maxLifetimeSeconds: MAX_LIFETIME, defaultLifetimeSeconds: 600 },
        keys: { retentionMarginSeconds: MARGIN, minPublishedSecondsBeforePromotion: MIN_PUBLISHED, cacheTtlSeconds: 5 },
      },
    });
    const clock = t.app.get(Clock);
    jest.spyOn(clock, 'now').mockImplementation(() => time.now());
    jest.spyOn(clock, 'nowSeconds').mockImplementation(() => time.nowSeconds());
    tokens = t.app.get(TokensService);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  const api = () => request(t.url);
  const listKeys = async (): Promise<KeyInfo[]> => (await api().get('/api/keys').set(AUTH).expect(200)).body.items;

  /**
   * Verifies `token` against the JWKS the server publishes now (a fresh remote set each time, so
   * no client-side cache hides a change), checking claims at the token's own time.
   */
  async function verifiesNow(token: string, audience = 'rp-1'): Promise<boolean> {
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/keys`), { timeoutDuration: 5000 });
    const issuedAt = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { iat: number }).iat;
    try {
      await jwtVerify(token, jwks, { issuer: t.loaded.config.issuer, audience, currentDate: new Date(issuedAt * 1000), algorithms: ['RS256'] });
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY') return false;
      throw e;
    }
  }

  it('generated one active key at start and publishes it', async () => {
    const keys = await listKeys();
    expect(keys).toEqual([expect.objectContaining({ state: 'active', source: 'generated', published: true })]);
    const minted = await tokens.mint({ audience: 'rp-1' });
    expect(minted.kid).toBe(keys[0].kid);
    expect(decodeProtectedHeader(minted.token)).toMatchObject({ alg: 'RS256', kid: keys[0].kid, typ: 'JWT', x5t: expect.any(String) });
    await expect(verifiesNow(minted.token)).resolves.toBe(true);
  });

  it('rotates: the next key is published before it signs, signs after promotion, and the retired one verifies until its retention ends', async () => {
    const [first] = await listKeys();
    const before = await tokens.mint({ audience: 'rp-1' });

    const rotated = await api().post('/api/keys/rotate').set(AUTH).send({}).expect(201);
    const next = rotated.body as KeyInfo;
    expect(next.state).toBe('next');
    const jwks = (await api().get('/.well-known/keys').expect(200)).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([first.kid, next.kid]);
    expect((await tokens.mint({ audience: 'rp-1' })).kid).toBe(first.kid);

    const early = await api().post(`/api/keys/${next.kid}/promote`).set(AUTH).send({}).expect(409);
    expect(early.body.error_description).toMatch(/published for 0 s/);
    expect(early.body.promotableAt).toBeDefined();

    time.advance(MIN_PUBLISHED);
    const promoted = await api().post(`/api/keys/${next.kid}/promote`).set(AUTH).send({}).expect(200);
    expect(promoted.body.state).toBe('active');
    const after = await tokens.mint({ audience: 'rp-1' });
    expect(after.kid).toBe(next.kid);
    await expect(verifiesNow(after.token)).resolves.toBe(true);

    const retired = (await listKeys()).find((k) => k.kid === first.kid)!;
    expect(retired.state).toBe('retired');
    expect(Date.parse(retired.publishUntil!)).toBe(time.now().getTime() + (MAX_LIFETIME + MARGIN) * 1000);
    await expect(verifiesNow(before.token)).resolves.toBe(true);

    time.advance(MAX_LIFETIME + MARGIN - 1);
    await expect(verifiesNow(before.token)).resolves.toBe(true);
    time.advance(1);
    await expect(verifiesNow(before.token)).resolves.toBe(false);
    await expect(verifiesNow(after.token)).resolves.toBe(true);
    expect((await api().get('/.well-known/keys').expect(200)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([next.kid]);
  });

  it('serves the certificate and exports a PFX that openssl reads', async () => {
    const active = (await listKeys()).find((k) => k.state === 'active')!;
    const pem = await api().get(`/api/keys/${active.kid}/certificate`).set(AUTH).expect(200);
    expect(pem.headers['content-type']).toMatch(/^application\/x-pem-file/);
    const cert = new X509Certificate(pem.text);
    const jwk = (await api().get('/.well-known/keys')).body.keys.find((k: { kid: string }) => k.kid === active.kid);
    expect(cert.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'RSA', n: jwk.n, e: jwk.e });

    const exported = await api().post(`/api/keys/${active.kid}/export`).set(AUTH).send({ password: 'export-password-1' }).expect(200);
    expect(exported.headers['cache-control']).toBe('no-store');
    expect(exported.body).toMatchObject({ kid: active.kid, filename: `tessera-${active.kid}.pfx` });
    const pfx = Buffer.from(exported.body.pfx, 'base64');
    const out = execFileSync('/usr/bin/openssl', ['pkcs12', '-passin', 'env:P', '-nokeys'], { input: pfx, env: { P: 'export-password-1' }, encoding: 'utf8' });
    expect(new X509Certificate(out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]).fingerprint256).toBe(cert.fingerprint256);

    // The same key does not come back under its kid: it is refused, naming the kid.
    const again = await api().post('/api/keys/rotate').set(AUTH).send({ pfx: exported.body.pfx, password: 'export-password-1' }).expect(409);
    expect(again.body.error_description).toMatch(new RegExp(`already in the store as ${active.kid}`));

    // An error on the PEM route is a JSON error, labelled as JSON rather than as a PEM file.
    const unknown = await api().get('/api/keys/no-such-kid/certificate').set(AUTH).expect(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/json/);
    expect(unknown.body).toMatchObject({ error: 'not_found', error_description: expect.stringContaining('no-such-kid') });

    const short = await api().post(`/api/keys/${active.kid}/export`).set(AUTH).send({ password: 'short' }).expect(400);
    expect(short.body.details).toEqual([{ field: 'password', problem: expect.stringMatching(/at least 8 characters/) }]);
  });

  describe('refuses bad input with a clear 400 and writes nothing', () => {
    const operator = keyAndCertificate();
    const small = keyAndCertificate(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);

    it.each([
      ['a malformed PEM key', () => ({ key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', certificate: operator.certificatePem }), 'key'],
      ['a 1024-bit key', () => ({ key: small.keyPem, certificate: small.certificatePem }), 'key'],
      ['a certificate that does not match its key', () => ({ key: operator.keyPem, certificate: keyAndCertificate().certificatePem }), 'certificate'],
      ['a PFX with the wrong password', () => ({ pfx: pfxOf(operator, 'right-password'), password: 'wrong-password' }), 'password'],
      ['a PFX that is not one', () => ({ pfx: Buffer.from('nope').toString('base64'), password: 'x' }), 'pfx'],
      ['a key without its certificate', () => ({ key: operator.keyPem }), 'certificate'],
      ['PEM and PFX at once', () => ({ key: operator.keyPem, certificate: operator.certificatePem, pfx: 'AAAA', password: 'x' }), 'pfx'],
      ['an unknown field', () => ({ keyPem: operator.keyPem }), 'keyPem'],
    ])('%s', async (_what, body, field) => {
      const before = await listKeys();
      const res = await api().post('/api/keys/rotate').set(AUTH).send(body()).expect(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await listKeys()).toEqual(before);
    });

    it('a short HS256 secret', async () => {
      const res = await api().post('/api/keys/secrets').set(AUTH).send({ name: 'short-one', secret: 'x'.repeat(31) }).expect(400);
      expect(res.body.error_description).toMatch(/secret: is 31 bytes; an HS256 secret must be at least 32 bytes/);
      expect((await api().get('/api/keys/secrets').set(AUTH).expect(200)).body.items).toEqual([]);
    });
  });

  it('retires a next key, and refuses to retire the active one', async () => {
    const next = (await api().post('/api/keys/rotate').set(AUTH).send({}).expect(201)).body as KeyInfo;
    const active = (await listKeys()).find((k) => k.state === 'active')!;
    const refused = await api().post(`/api/keys/${active.kid}/retire`).set(AUTH).expect(409);
    expect(refused.body.error_description).toMatch(/is the active key/);
    const retired = await api().post(`/api/keys/${next.kid}/retire`).set(AUTH).expect(200);
    expect(retired.body).toMatchObject({ kid: next.kid, state: 'retired', published: false });
    // No body at all is fine too: force defaults to false.
    await api().post('/api/keys/no-such-kid/promote').set(AUTH).expect(404);
  });

  it('imports a PEM key as next and promotes it with force', async () => {
    const operator = keyAndCertificate();
    const imported = await api().post('/api/keys/rotate').set(AUTH).send({ key: operator.keyPem, certificate: operator.certificatePem }).expect(201);
    expect(imported.body).toMatchObject({ state: 'next', source: 'imported-pem' });
    await api().post(`/api/keys/${imported.body.kid}/promote`).set(AUTH).send({ force: true }).expect(200);
    const minted = await tokens.mint({ audience: 'rp-1' });
    expect(minted.kid).toBe(imported.body.kid);
    await expect(verifiesNow(minted.token)).resolves.toBe(true);
  });

  it('creates an HS256 secret, shows it once, and mints with its UTF-8 bytes', async () => {
    const created = await api().post('/api/keys/secrets').set(AUTH).send({ name: 'b2c-contoso' }).expect(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { secret, kid } = created.body as { secret: string; kid: string };
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);

    const listed = await api().get('/api/keys/secrets').set(AUTH).expect(200);
    expect(listed.body.items).toEqual([{ name: 'b2c-contoso', kid, createdAt: expect.any(String), updatedAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const minted = await tokens.mint({ audience: 'rp-1', signing: { alg: 'HS256', secret: 'b2c-contoso' } });
    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'HS256', kid, typ: 'JWT' });
    await expect(jwtVerify(minted.token, new TextEncoder().encode(secret), { currentDate: time.now() })).resolves.toBeDefined();
  });

  it('never puts private material in an API answer', async () => {
    const listing = JSON.stringify((await api().get('/api/keys').set(AUTH).expect(200)).body);
    expect(listing).not.toMatch(/PRIVATE KEY|"d":"|private_key/);
  });

  it('refuses to start a second instance whose KEYSTORE_PASSPHRASE does not open the store', async () => {
    await expect(startTestApp({ database: t.database, env: { KEYSTORE_PASSPHRASE: 'not-the-passphrase-of-this-store' } })).rejects.toThrow(
      /^KEYSTORE_PASSPHRASE does not decrypt the private key of signing key/,
    );
  });

  describe('access', () => {
    it('requires an API key', async () => {
      await api().get('/api/keys').expect(401);
      await api().post('/api/keys/rotate').send({}).expect(401);
    });

    it('requires keys:admin to change keys; keys:read is enough to list them', async () => {
      const created = await api().post('/api/api-keys').set(AUTH).send({ name: 'reader', scopes: ['keys:read'] }).expect(201);
      const reader = { Authorization: `Bearer ${created.body.key}` };
      await api().get('/api/keys').set(reader).expect(200);
      await api().get('/api/keys/secrets').set(reader).expect(200);
      await api().post('/api/keys/rotate').set(reader).send({}).expect(403);
      await api().post('/api/keys/secrets').set(reader).send({ name: 'x' }).expect(403);
      const active = (await listKeys()).find((k) => k.state === 'active')!;
      await api().post(`/api/keys/${active.kid}/export`).set(reader).send({ password: 'export-password-1' }).expect(403);
    });
  });
});

/** A PFX written by OpenSSL, as an operator's would be; base64 for the JSON body. */
function pfxOf(material: ReturnType<typeof keyAndCertificate>, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pfx-'));
  try {
    writeFileSync(join(dir, 'key.pem'), material.keyPem);
    writeFileSync(join(dir, 'cert.pem'), material.certificatePem);
    const out = join(dir, 'k.pfx');
    execFileSync('/usr/bin/openssl', ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-out', out, '-passout', 'env:P'], {
      env: { P: password },
    });
    return readFileSync(out).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
