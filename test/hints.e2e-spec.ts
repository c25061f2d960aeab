import request from 'supertest';
import { ApiKeysService, CLI_PRINCIPAL } from '../src/auth/api-keys.service';
import { claimsAt, signRaw, startIssuer, testKey, type TestIssuer, type TestKey } from '../src/validation/hint-validator.test-utils';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';

const SECRET = 'partner portal shared secret, 32+ bytes';
const PARTNER_ISSUER = 'https://portal.example.com';
const AUDIENCE = 'b2c-signup';

/** `POST /api/hints/validate` on a running Tessera, against a symmetric and a metadata profile. */
describe('POST /api/hints/validate', () => {
  let t: TestApp;
  let issuer: TestIssuer;
  let key: TestKey;
  const now = () => Math.floor(Date.now() / 1000);
  const auth = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const hs256 = (extra: Record<string, unknown> = {}) =>
    signRaw(new TextEncoder().encode(SECRET), { alg: 'HS256', typ: 'JWT' }, claimsAt(now(), PARTNER_ISSUER, AUDIENCE, { email: 'ada@example.com', name: 'Ada', ...extra }));

  beforeAll(async () => {
    key = await testKey('issuer-key-1');
    issuer = await startIssuer([key.publicJwk]);
    t = await startTestApp({
      overrides: {
        hintProfiles: [
          {
            id: 'partner',
            kind: 'symmetric',
            issuer: PARTNER_ISSUER,
            audience: AUDIENCE,
            secret: SECRET,
            outputClaims: [{ claimType: 'email', required: true }, { claimType: 'displayName', partnerClaimType: 'name' }],
          },
          { id: 'remote', kind: 'metadata', metadataUrl: issuer.metadataUrl, audience: AUDIENCE, allowHttp: true, outputClaims: [{ claimType: 'email' }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.close();
  });

  const validate = (body: unknown, headers: Record<string, string> = auth) => request(t.url).post('/api/hints/validate').set(headers).send(body as object);

  it('returns the mapped claims, the header and the payload of a good symmetric token', async () => {
    const res = await validate({ profile: 'partner', id_token_hint: await hs256() }).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['claims', 'header', 'payload']);
    expect(res.body.claims).toEqual({ email: 'ada@example.com', displayName: 'Ada' });
    expect(res.body.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(res.body.payload).toMatchObject({ iss: PARTNER_ISSUER, aud: AUDIENCE, email: 'ada@example.com' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('validates a metadata profile against the issuer’s published key', async () => {
    const token = await signRaw(key.privateKey, { alg: 'RS256', kid: key.kid }, claimsAt(now(), issuer.issuer, AUDIENCE, { email: 'grace@example.com' }));
    const res = await validate({ profile: 'remote', id_token_hint: token }).expect(200);
    expect(res.body.claims).toEqual({ email: 'grace@example.com' });
  });

  it.each([
    ['an expired token', () => hs256({ exp: now() - 3600, nbf: now() - 7200, iat: now() - 7200 }), 'AADB2C90208'],
    ['another audience', () => hs256({ aud: 'someone-else' }), 'AADB2C90209'],
    ['another issuer', () => hs256({ iss: 'https://evil.example.com' }), 'AADB2C90232'],
    ['a forged signature', () => signRaw(new TextEncoder().encode('x'.repeat(40)), { alg: 'HS256' }, claimsAt(now(), PARTNER_ISSUER, AUDIENCE, { email: 'a@b' })), 'AADB2C90233'],
    ['a missing required claim', () => hs256({ email: undefined }), 'TESSERA_HINT_MISSING_CLAIM'],
    ['a token not yet valid', () => hs256({ nbf: now() + 3600, exp: now() + 7200 }), 'TESSERA_HINT_NOT_YET_VALID'],
    ['garbage', async () => 'not-a-token', 'AADB2C90210'],
    ['a token over the profile’s length limit', async () => `${'a'.repeat(10_000)}.b.c`, 'AADB2C90210'],
  ])('rejects %s with 400 {error, code, description}', async (_name, make, code) => {
    const res = await validate({ profile: 'partner', id_token_hint: await make() }).expect(400);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'description', 'error']);
    expect(res.body).toMatchObject({ error: 'invalid_token', code });
    expect(res.body.description).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |\.[jt]s:\d+:\d+/);
  });

  it('names an unknown profile with its own code', async () => {
    const res = await validate({ profile: 'nope', id_token_hint: await hs256() }).expect(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      code: 'TESSERA_HINT_UNKNOWN_PROFILE',
      description: 'there is no hint profile "nope"; configured profiles: partner, remote',
    });
  });

  it.each([
    ['no body fields', {}, ['profile', 'id_token_hint']],
    ['a numeric token', { profile: 'partner', id_token_hint: 42 }, ['id_token_hint']],
    ['an unknown field', { profile: 'partner', id_token_hint: 'x.y.z', extra: 1 }, ['extra']],
  ])('refuses %s naming each field', async (_name, body, fields) => {
    const res = await validate(body).expect(400);
    expect(res.body.error).toBe('invalid_request');
    expect((res.body.details as { field: string }[]).map((d) => d.field).sort()).toEqual([...fields].sort());
  });

  it('refuses a 1 MB token at the body limit with a 413, not a 5xx', async () => {
    const res = await validate({ profile: 'partner', id_token_hint: 'a'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it('requires an admin key with the hints:validate scope', async () => {
    await validate({ profile: 'partner', id_token_hint: await hs256() }, {}).expect(401);
    const { key: narrow } = await t.app.get(ApiKeysService).create({ name: 'no hints', scopes: ['keys:read'] }, CLI_PRINCIPAL);
    await validate({ profile: 'partner', id_token_hint: await hs256() }, { Authorization: `Bearer ${narrow}` }).expect(403);
    const { key: hintsOnly } = await t.app.get(ApiKeysService).create({ name: 'hints only', scopes: ['hints:validate'] }, CLI_PRINCIPAL);
    await validate({ profile: 'partner', id_token_hint: await hs256() }, { Authorization: `Bearer ${hintsOnly}` }).expect(200);
  });
});

describe('POST /api/hints/validate rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        rateLimits: { validate: { limit: 2, windowSeconds: 60 } },
        hintProfiles: [{ id: 'partner', kind: 'symmetric', issuer: PARTNER_ISSUER, audience: AUDIENCE, secret: SECRET }],
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts validations against the "validate" budget and answers 429 past it', async () => {
    const token = await signRaw(new TextEncoder().encode(SECRET), { alg: 'HS256' }, claimsAt(Math.floor(Date.now() / 1000), PARTNER_ISSUER, AUDIENCE));
    const send = () => request(t.url).post('/api/hints/validate').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).send({ profile: 'partner', id_token_hint: token });
    await send().expect(200);
    const second = await send().expect(200);
    expect(second.headers['x-ratelimit-limit']).toBe('2');
    const third = await send().expect(429);
    expect(third.body.error_description).toMatch(/"validate" rate limit/);
  });
});
