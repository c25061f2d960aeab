import { Logger } from '@nestjs/common';
import { exportSPKI, generateKeyPair } from 'jose';
import { createHmac } from 'node:crypto';
import { FixedClock } from '../common/clock';
import { json, startLoopbackServer, type LoopbackServer } from '../common/outbound-http.test-utils';
import { buildValidator, claimsAt, rejection, signRaw, startIssuer, testKey, type TestIssuer, type TestKey } from './hint-validator.test-utils';

const NOW = Math.floor(Date.now() / 1000);
const AUDIENCE = 'b2c-signup';

/**
 * Metadata profiles against a real issuer on loopback: discovery document, JWKS, and the ways
 * an issuer misbehaves. Counting the requests it receives is how caching and cooldown are seen.
 */
describe('HintValidatorService (metadata profile, loopback issuer)', () => {
  // Failures are logged as warnings by design; the assertions here are on the rejections.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));
  let key: TestKey;
  let issuer: TestIssuer;
  let clock: FixedClock;

  beforeAll(async () => {
    key = await testKey('key-1');
  });
  beforeEach(async () => {
    issuer = await startIssuer([key.publicJwk]);
    clock = new FixedClock(NOW * 1000);
  });
  afterEach(async () => {
    await issuer.close();
  });

  const profile = (extra: Record<string, unknown> = {}) => ({
    id: 'issuer',
    kind: 'metadata',
    metadataUrl: issuer.metadataUrl,
    audience: AUDIENCE,
    allowHttp: true,
    outputClaims: [{ claimType: 'email', required: true }],
    ...extra,
  });
  const sign = (k: TestKey, extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    signRaw(k.privateKey, { alg: k.alg, kid: k.kid, typ: 'JWT', ...header }, claimsAt(clock.nowSeconds(), issuer.issuer, AUDIENCE, { email: 'ada@example.com', ...extra }));

  it('validates an RS256 token with the published key, fetching discovery and JWKS once', async () => {
    const { sut } = buildValidator([profile()], clock);
    for (let i = 0; i < 20; i++) {
      const result = await sut.validate('issuer', await sign(key));
      expect(result.claims).toEqual({ email: 'ada@example.com' });
      expect(result.header).toMatchObject({ alg: 'RS256', kid: 'key-1' });
    }
    expect(issuer.discoveryFetches()).toBe(1);
    expect(issuer.jwksFetches()).toBe(1);
  });

  it('shares one fetch among concurrent first validations', async () => {
    const { sut } = buildValidator([profile()], clock);
    const token = await sign(key);
    await Promise.all(Array.from({ length: 25 }, () => sut.validate('issuer', token)));
    expect(issuer.discoveryFetches()).toBe(1);
    expect(issuer.jwksFetches()).toBe(1);
  });

  it('accepts PS256 and ES256 only when the profile lists them', async () => {
    const ps = await testKey('ps', 'PS256');
    const es = await testKey('es', 'ES256');
    issuer.keys = [key.publicJwk, ps.publicJwk, es.publicJwk];
    const { sut: rsOnly } = buildValidator([profile()], clock);
    expect((await rejection(rsOnly.validate('issuer', await sign(es)))).description).toMatch(/alg "ES256" is not accepted .* \(accepted: RS256\)/);
    const { sut: all } = buildValidator([profile({ algorithms: ['RS256', 'PS256', 'ES256'] })], clock);
    await expect(all.validate('issuer', await sign(ps))).resolves.toMatchObject({ header: { alg: 'PS256' } });
    await expect(all.validate('issuer', await sign(es))).resolves.toMatchObject({ header: { alg: 'ES256' } });
  });

  it('refetches discovery once metadataCacheSeconds have passed', async () => {
    const { sut } = buildValidator([profile({ metadataCacheSeconds: 3600 })], clock);
    await sut.validate('issuer', await sign(key));
    clock.advance(3599);
    await sut.validate('issuer', await sign(key));
    expect(issuer.discoveryFetches()).toBe(1);
    clock.advance(2);
    await sut.validate('issuer', await sign(key));
    expect(issuer.discoveryFetches()).toBe(2);
  });

  describe('key rotation and unknown kids', () => {
    it('picks up a newly published key when a token names it', async () => {
      const { sut } = buildValidator([profile({ jwksCooldownSeconds: 0 })], clock);
      await sut.validate('issuer', await sign(key));
      const next = await testKey('key-2');
      issuer.keys = [key.publicJwk, next.publicJwk];
      await expect(sut.validate('issuer', await sign(next))).resolves.toMatchObject({ header: { kid: 'key-2' } });
      await expect(sut.validate('issuer', await sign(key))).resolves.toBeDefined();
      expect(issuer.jwksFetches()).toBe(2);
    });

    it('rejects a token whose kid is not published, naming the kid', async () => {
      const { sut } = buildValidator([profile()], clock);
      const stranger = await testKey('not-published');
      const error = await rejection(sut.validate('issuer', await sign(stranger)));
      expect(error.body()).toEqual({ error: 'invalid_token', code: 'AADB2C90233', description: 'no key the issuer publishes matches the token\'s kid "not-published" and alg "RS256"' });
    });

    it('fetches the JWKS only a handful of times for a flood of 1,000 unknown kids', async () => {
      const { sut } = buildValidator([profile()], clock);
      const stranger = await testKey('x');
      const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => sign(stranger, {}, { kid: `random-kid-${i}` })));
      const errors = await Promise.all(tokens.map((t) => rejection(sut.validate('issuer', t))));
      expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['AADB2C90233']));
      expect(issuer.jwksFetches()).toBeLessThanOrEqual(2);
      expect(issuer.discoveryFetches()).toBe(1);
    });
  });

  describe('attacks', () => {
    it('refuses HS256 signed with the issuer’s RSA public key, without fetching anything', async () => {
      const { sut } = buildValidator([profile()], clock);
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(publicKey);
      const payload = claimsAt(NOW, issuer.issuer, AUDIENCE, { email: 'mallory@example.com' });
      for (const secret of [Buffer.from(pem), Buffer.from(String(key.publicJwk.n), 'base64url'), Buffer.from(JSON.stringify(key.publicJwk))]) {
        const forged = await signRaw(secret, { alg: 'HS256', kid: key.kid }, payload);
        const error = await rejection(sut.validate('issuer', forged));
        expect(error.code).toBe('AADB2C90233');
        expect(error.description).toMatch(/alg "HS256" is not accepted/);
      }
      expect(issuer.server.requests).toEqual([]);
    });

    it('ignores a key embedded in the header (jwk)', async () => {
      const { sut } = buildValidator([profile()], clock);
      const mallory = await testKey('mallory');
      const ownKid = await rejection(sut.validate('issuer', await sign(mallory, {}, { jwk: mallory.publicJwk })));
      expect(ownKid.code).toBe('AADB2C90233');
      const borrowedKid = await rejection(sut.validate('issuer', await sign(mallory, {}, { kid: key.kid, jwk: mallory.publicJwk })));
      expect(borrowedKid.code).toBe('AADB2C90233');
      expect(borrowedKid.description).toMatch(/signature does not verify/);
    });

    it('never fetches jku or x5u, whether the token is forged or genuine', async () => {
      const trap: LoopbackServer = await startLoopbackServer();
      try {
        const mallory = await testKey('mallory');
        trap.route('*', json({ keys: [mallory.publicJwk] }));
        const { sut } = buildValidator([profile()], clock);
        for (const header of [{ jku: `${trap.url}/jwks.json` }, { x5u: `${trap.url}/cert.pem` }, { jku: `${trap.url}/jwks.json`, kid: key.kid }]) {
          const error = await rejection(sut.validate('issuer', await sign(mallory, {}, header)));
          expect(error.code).toBe('AADB2C90233');
        }
        await expect(sut.validate('issuer', await sign(key, {}, { jku: `${trap.url}/jwks.json`, x5u: `${trap.url}/cert.pem` }))).resolves.toBeDefined();
        expect(trap.requests).toEqual([]);
      } finally {
        await trap.close();
      }
    });

    it('refuses an RS256 token with a modified payload or signature', async () => {
      const { sut } = buildValidator([profile()], clock);
      const [h, p, s] = (await sign(key)).split('.');
      const otherPayload = Buffer.from(JSON.stringify(claimsAt(clock.nowSeconds(), issuer.issuer, AUDIENCE, { email: 'mallory@example.com' }))).toString('base64url');
      expect((await rejection(sut.validate('issuer', `${h}.${otherPayload}.${s}`))).code).toBe('AADB2C90233');
      const sig = Buffer.from(s, 'base64url');
      sig[sig.length - 1] ^= 0x80;
      expect((await rejection(sut.validate('issuer', `${h}.${p}.${sig.toString('base64url')}`))).code).toBe('AADB2C90233');
    });

    it('refuses alg none before fetching anything', async () => {
      const { sut } = buildValidator([profile()], clock);
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claimsAt(NOW, issuer.issuer, AUDIENCE))).toString('base64url');
      const sig = createHmac('sha256', 'x').update('y').digest('base64url');
      expect((await rejection(sut.validate('issuer', `${header}.${body}.${sig}`))).code).toBe('AADB2C90233');
      expect(issuer.server.requests).toEqual([]);
    });

    it('refuses a JWKS address that points inside the network, without connecting', async () => {
      issuer.server.route('GET /.well-known/openid-configuration', json({ issuer: issuer.issuer, jwks_uri: 'http://169.254.169.254/latest/meta-data/keys' }));
      const { sut } = buildValidator([profile()], clock);
      const error = await rejection(sut.validate('issuer', await sign(key)));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(/could not be fetched: .*169\.254\.169\.254.*only allowed to a loopback address/);
    });
  });

  describe('issuer failures', () => {
    it('reports a 503 from discovery as "could not be validated", naming the status', async () => {
      issuer.server.route('GET /.well-known/openid-configuration', json({ error: 'down' }, 503));
      const { sut } = buildValidator([profile()], clock);
      const error = await rejection(sut.validate('issuer', await sign(key)));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toBe(`the token could not be validated: the issuer's metadata could not be fetched: ${issuer.metadataUrl} answered HTTP 503`);
    });

    it('does not ask a failing issuer again before the cooldown', async () => {
      issuer.server.route('GET /.well-known/openid-configuration', json({ error: 'down' }, 503));
      const { sut } = buildValidator([profile({ jwksCooldownSeconds: 30 })], clock);
      for (let i = 0; i < 10; i++) expect((await rejection(sut.validate('issuer', await sign(key)))).code).toBe('AADB2C90210');
      expect(issuer.discoveryFetches()).toBe(1);
      clock.advance(31);
      await rejection(sut.validate('issuer', await sign(key)));
      expect(issuer.discoveryFetches()).toBe(2);
    });

    it('reports a JWKS that never arrives as a timeout', async () => {
      issuer.server.route('GET /keys', () => undefined);
      const { sut } = buildValidator([profile({ timeoutMs: 300 })], clock);
      const error = await rejection(sut.validate('issuer', await sign(key)));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(/key set \(JWKS\) (did not arrive in time|could not be fetched: .*no complete response)/);
    });

    it('does not follow a redirect to another host', async () => {
      const elsewhere = await startLoopbackServer();
      try {
        elsewhere.route('*', json({ issuer: issuer.issuer, jwks_uri: `${issuer.server.url}/keys` }));
        issuer.server.route('GET /.well-known/openid-configuration', (_req, res) => res.writeHead(302, { location: `${elsewhere.url}/.well-known/openid-configuration` }).end());
        const { sut } = buildValidator([profile()], clock);
        const error = await rejection(sut.validate('issuer', await sign(key)));
        expect(error.code).toBe('AADB2C90210');
        expect(error.description).toMatch(/redirect \(302\) to another origin .* is not followed/);
        expect(elsewhere.requests).toEqual([]);
      } finally {
        await elsewhere.close();
      }
    });

    it('follows a redirect within the issuer’s own origin', async () => {
      issuer.server.route('GET /.well-known/openid-configuration', (_req, res) => res.writeHead(301, { location: '/v2/.well-known/openid-configuration' }).end());
      issuer.server.route('GET /v2/.well-known/openid-configuration', json({ issuer: issuer.issuer, jwks_uri: `${issuer.server.url}/keys` }));
      const { sut } = buildValidator([profile()], clock);
      await expect(sut.validate('issuer', await sign(key))).resolves.toBeDefined();
    });

    it('refuses an oversized JWKS', async () => {
      issuer.keys = [key.publicJwk, ...Array.from({ length: 20 }, (_, i) => ({ ...key.publicJwk, kid: `filler-${i}` }))];
      const { sut } = buildValidator([profile({ maxResponseBytes: 4096 })], clock);
      const error = await rejection(sut.validate('issuer', await sign(key)));
      expect(error.code).toBe('AADB2C90210');
      expect(error.description).toMatch(/key set \(JWKS\) could not be fetched: .*larger than 4096 bytes/);
    });

    it('refuses discovery that names another issuer', async () => {
      issuer.issuer = 'https://impostor.example.com';
      const { sut } = buildValidator([profile()], clock);
      const error = await rejection(sut.validate('issuer', await signRaw(key.privateKey, { alg: 'RS256', kid: key.kid }, claimsAt(NOW, issuer.server.url, AUDIENCE, { email: 'a@b' }))));
      expect(error.code).toBe('AADB2C90232');
      expect(error.description).toMatch(/names the issuer "https:\/\/impostor\.example\.com", but this profile trusts "http:\/\/127\.0\.0\.1:\d+"/);
    });

    it('accepts discovery whose issuer matches a configured override', async () => {
      issuer.issuer = 'https://login.example.com/tenant/v2.0/';
      const { sut } = buildValidator([profile({ issuer: 'https://login.example.com/tenant/v2.0/' })], clock);
      await expect(sut.validate('issuer', await sign(key))).resolves.toBeDefined();
    });

    it('refuses discovery that is not JSON, or lacks jwks_uri', async () => {
      issuer.server.route('GET /.well-known/openid-configuration', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
      const { sut } = buildValidator([profile()], clock);
      expect((await rejection(sut.validate('issuer', await sign(key)))).description).toMatch(/metadata at .* is not valid JSON/);
      issuer.server.route('GET /.well-known/openid-configuration', json({ issuer: issuer.issuer }));
      clock.advance(60);
      expect((await rejection(sut.validate('issuer', await sign(key)))).description).toMatch(/has no absolute "jwks_uri"/);
    });

    it('keeps using the last good JWKS for a bounded grace while the issuer fails', async () => {
      const { sut } = buildValidator([profile({ jwksCacheSeconds: 0, jwksCooldownSeconds: 0, staleIfErrorSeconds: 3600 })], clock);
      await sut.validate('issuer', await sign(key));
      issuer.server.route('GET /keys', json({ error: 'down' }, 503));
      await expect(sut.validate('issuer', await sign(key))).resolves.toBeDefined();
      expect(issuer.jwksFetches()).toBe(2);

      const { sut: noGrace } = buildValidator([profile({ id: 'no-grace', jwksCacheSeconds: 0, jwksCooldownSeconds: 0, staleIfErrorSeconds: 0 })], clock);
      issuer.server.route('GET /keys', json({ keys: issuer.keys }));
      await noGrace.validate('no-grace', await sign(key));
      issuer.server.route('GET /keys', json({ error: 'down' }, 503));
      const error = await rejection(noGrace.validate('no-grace', await sign(key)));
      expect(error.description).toMatch(/key set \(JWKS\) could not be fetched: .* answered HTTP 503/);
    });

    it('keeps using the last good discovery document for a bounded grace', async () => {
      const { sut } = buildValidator([profile({ metadataCacheSeconds: 60, staleIfErrorSeconds: 600, jwksCooldownSeconds: 0 })], clock);
      await sut.validate('issuer', await sign(key));
      issuer.server.route('GET /.well-known/openid-configuration', json({ error: 'down' }, 503));
      clock.advance(61);
      await expect(sut.validate('issuer', await sign(key))).resolves.toBeDefined();
      clock.advance(600);
      expect((await rejection(sut.validate('issuer', await sign(key)))).description).toMatch(/answered HTTP 503/);
    });
  });
});
