import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { KeyStoreService } from '../../src/keys/key-store.service';
import { DatabaseService } from '../../src/persistence/database.service';
import { AUTH, createInvitation, csrfOf, HS256_SECRET, HS256_SECRET_NAME, linkIn, startInvitationsApp, type InvitationsTestApp } from './support';

describe('invitation flows: direct links and HS256', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('direct mode: the email carries the sign-up URL with a hint valid until the invitation expires', async () => {
    const created = await createInvitation(t, { email: 'direct@example.com', name: 'Dee Rect', relyingParty: 'direct-app', expiresIn: 3 * 24 * 3600 });
    expect(created.status).toBe(201);
    // Queued as the template's fields, rendered when sent: the link is stored once, no bodies.
    const queued = await t.app.get(DatabaseService).db.selectFrom('mail_outbox').selectAll().where('reference_id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(queued).toMatchObject({ html: null, text_body: null, primary_link: null, subject: 'Your Direct App invitation' });
    expect(JSON.parse(queued.template!)).toMatchObject({ name: 'invitation', locale: 'en', context: { link: created.body.link, inviteeName: 'Dee Rect' } });
    await t.deliver();
    await t.smtp.waitForCount(1);
    const mail = t.smtp.received.find((m) => m.envelopeTo.includes('direct@example.com'));
    // The relying party's subject replaces the template's in the header; the body is the template's.
    expect(mail?.parsed.subject).toBe('Your Direct App invitation');
    expect(mail?.parsed.html).toContain('<title>You&#x27;re invited to Direct App</title>');
    const link = linkIn(mail?.parsed.text, 'https://direct.example.com/signup');
    expect(link).toBe(created.body.link);
    const url = new URL(link);
    expect(url.searchParams.get('lang')).toBe('en');
    const hint = url.searchParams.get('id_token_hint') as string;

    const { payload, protectedHeader } = await jwtVerify(hint, createRemoteJWKSet(new URL(`${t.url}/.well-known/keys`)), {
      issuer: t.loaded.config.issuer,
      audience: 'direct-app-audience',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe((await t.app.get(KeyStoreService).getActiveSigningKey()).kid);
    expect(payload).toMatchObject({ email: 'direct@example.com', name: 'Dee Rect' });
    expect(payload.exp).toBe(Math.floor(Date.parse(created.body.expiresAt) / 1000));
    expect(payload.nbf).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    const detail = await request(t.url).get(`/api/invitations/${created.body.id}`).set(AUTH).expect(200);
    expect(detail.body.tokens).toEqual([expect.objectContaining({ jti: payload.jti, kid: protectedHeader.kid, alg: 'RS256', current: true })]);
    // A direct invitation has no landing code: nothing under /invite can reach it.
    expect(link).not.toContain('/invite/');

    const redeemed = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ token: hint });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.invitationId).toBe(created.body.id);
  });

  it('HS256: the landing page continues with a hint signed by the UTF-8 bytes of the shared secret', async () => {
    const created = await createInvitation(t, { email: 'shared@sub.example.org', relyingParty: 'hs-app' });
    expect(created.status).toBe(201);
    expect(created.body.locale).toBe('ko');
    await t.deliver();
    await t.smtp.waitForCount(2);
    const mail = t.smtp.received.find((m) => m.envelopeTo.includes('shared@sub.example.org'));
    // No subject configured: the template's, in the relying party's default locale.
    expect(mail?.parsed.subject).toBe('Shared Secret App에 초대되었습니다');
    const link = linkIn(mail?.parsed.text, `${t.url}/invite/`);

    const page = await request(link).get('').expect(200);
    expect(page.text).toContain('Shared Secret App에 초대되었습니다');
    const accepted = await request(`${link}/accept`).post('').type('form').set('Origin', t.url).send({ csrf: csrfOf(page.text) });
    expect(accepted.status).toBe(303);
    const location = new URL(accepted.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe('https://hs.example.com/join');
    const hint = location.searchParams.get('id_token_hint') as string;

    const { payload } = await jwtVerify(hint, new TextEncoder().encode(HS256_SECRET), {
      issuer: t.loaded.config.issuer,
      audience: 'hs-app-audience',
      algorithms: ['HS256'],
    });
    const secret = await t.app.get(KeyStoreService).getHmacSecret(HS256_SECRET_NAME);
    expect(decodeProtectedHeader(hint)).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: secret.kid });
    expect(payload.email).toBe('shared@sub.example.org');
    expect((payload.exp as number) - (payload.nbf as number)).toBe(600);

    // Redemption by token checks the HS256 signature before trusting the jti.
    const forged = `${hint.slice(0, hint.lastIndexOf('.'))}.${Buffer.alloc(32).toString('base64url')}`;
    const refused = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ token: forged });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('invitation_invalid_token');
    await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ token: hint }).expect(200);
  });

  it('lists the relying parties without secrets', async () => {
    const res = await request(t.url).get('/api/relying-parties').set(AUTH).expect(200);
    expect(res.body.items.map((rp: { id: string }) => rp.id)).toEqual(['contoso', 'direct-app', 'hs-app']);
    expect(res.body.items[2].signing).toEqual({ alg: 'HS256', secretName: HS256_SECRET_NAME });
    expect(JSON.stringify(res.body)).not.toContain(HS256_SECRET);
    await request(t.url).get('/api/relying-parties/nope').set(AUTH).expect(404);
  });
});
