import request from 'supertest';
import { KeyStoreService } from '../src/keys/key-store.service';
import { TokensService } from '../src/tokens/tokens.service';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';
import { describeEachDialect } from './utils/database';

const SECRET_NAME = 'b2c-partner';
const SECRET = 'the B2C policy key secret, 32+ bytes long';
const AUDIENCE = 'contoso-signup';

/**
 * Tessera consuming Tessera: tokens minted by one instance's issuer (RS256 with its active key,
 * HS256 with a named secret) validate through hint profiles of another instance, the metadata
 * profile reading the issuer's own discovery document and JWKS over HTTP. Two instances,
 * because a profile must name the issuer's URL before the consuming app starts.
 */
describeEachDialect('hints from Tessera’s own issuer', (dialect) => {
  let issuer: TestApp;
  let consumer: TestApp;

  beforeAll(async () => {
    issuer = await startTestApp({ dialect });
    await issuer.app.get(KeyStoreService).setHmacSecret(SECRET_NAME, SECRET);
    consumer = await startTestApp({
      dialect,
      overrides: {
        hintProfiles: [
          {
            id: 'tessera-rsa',
            kind: 'metadata',
            metadataUrl: `${issuer.url}/.well-known/openid-configuration`,
            audience: AUDIENCE,
            allowHttp: true,
            outputClaims: [{ claimType: 'email', required: true }, { claimType: 'invitationId', partnerClaimType: 'invitation_id' }],
          },
          {
            id: 'tessera-hs256',
            kind: 'symmetric',
            issuer: issuer.loaded.config.issuer,
            audience: AUDIENCE,
            secret: SECRET,
            outputClaims: [{ claimType: 'email', required: true }],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await consumer?.close();
    await issuer?.close();
  });

  const validate = (profile: string, token: string) =>
    request(consumer.url).post('/api/hints/validate').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).send({ profile, id_token_hint: token });

  it('validates an RS256 token through the issuer’s discovery document and JWKS', async () => {
    const minted = await issuer.app.get(TokensService).mint({ audience: AUDIENCE, claims: { email: 'ada@example.com', invitation_id: 'inv-1' } });
    const res = await validate('tessera-rsa', minted.token).expect(200);
    expect(res.body.claims).toEqual({ email: 'ada@example.com', invitationId: 'inv-1' });
    expect(res.body.header).toMatchObject({ alg: 'RS256', kid: minted.kid, typ: 'JWT' });
    expect(res.body.payload).toMatchObject({ iss: issuer.loaded.config.issuer, aud: AUDIENCE, jti: minted.jti, exp: minted.exp, nbf: minted.nbf });
  });

  it('validates an HS256 token signed with the named secret', async () => {
    const minted = await issuer.app.get(TokensService).mint({ audience: AUDIENCE, claims: { email: 'grace@example.com' }, signing: { alg: 'HS256', secret: SECRET_NAME } });
    const res = await validate('tessera-hs256', minted.token).expect(200);
    expect(res.body.claims).toEqual({ email: 'grace@example.com' });
    expect(res.body.header).toMatchObject({ alg: 'HS256' });
  });

  it('keeps the two apart: an HS256 token is refused by the RS256 profile and the reverse', async () => {
    const tokens = issuer.app.get(TokensService);
    const hs = await tokens.mint({ audience: AUDIENCE, claims: { email: 'a@b' }, signing: { alg: 'HS256', secret: SECRET_NAME } });
    const rs = await tokens.mint({ audience: AUDIENCE, claims: { email: 'a@b' } });
    expect((await validate('tessera-rsa', hs.token).expect(400)).body.code).toBe('AADB2C90233');
    expect((await validate('tessera-hs256', rs.token).expect(400)).body.code).toBe('AADB2C90233');
  });

  it('refuses a token minted for another audience', async () => {
    const minted = await issuer.app.get(TokensService).mint({ audience: 'someone-else', claims: { email: 'a@b' } });
    expect((await validate('tessera-rsa', minted.token).expect(400)).body.code).toBe('AADB2C90209');
  });
});
