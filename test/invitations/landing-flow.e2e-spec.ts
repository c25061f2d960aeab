import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { KeyStoreService } from '../../src/keys/key-store.service';
import { LandingService } from '../../src/invitations/landing.service';
import { AUTH, createInvitation, csrfOf, linkIn, startInvitationsApp, type InvitationsTestApp } from './support';

describe('invitation by email, landing mode, RS256 (B2C)', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('emails a landing link; the page continues to the B2C sign-up URL with a hint that verifies against the JWKS', async () => {
    const created = await createInvitation(t, {
      email: 'Ada.Lovelace@Example.com',
      name: 'Ada Lovelace',
      inviterName: 'Grace at Contoso',
      relyingParty: 'contoso',
      claims: { role: 'member', teams: ['blue', 'green'], seats: 3 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada.lovelace@example.com', status: 'pending', version: 1, mail: 'queued' });
    const id = created.body.id as string;

    await t.deliver();
    await t.smtp.waitForCount(1);
    const [mail] = t.smtp.received;
    expect(mail.envelopeTo).toEqual(['ada.lovelace@example.com']);
    const link = linkIn(mail.parsed.text, `${t.url}/invite/`);
    expect(link).toBe(created.body.link);
    expect(mail.parsed.html).toContain(link);

    const page = await request(link).get('');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Grace at Contoso invited you to join Contoso Portal.');
    expect(page.text).toContain('ada.lovelace@example.com');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['content-security-policy']).toMatch(/form-action 'self' .*https:\/\/contoso\.b2clogin\.com/);

    const accepted = await request(`${link}/accept`)
      .post('')
      .type('form')
      .set('Origin', t.url)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ csrf: csrfOf(page.text) });
    expect(accepted.status).toBe(303);
    const location = new URL(accepted.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(
      'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1A_SIGNUP_INVITATION/oauth2/v2.0/authorize',
    );
    expect(location.searchParams.get('client_id')).toBe('63ba0d17-c4ba-47fd-89e9-31b3c2734339');
    expect(location.searchParams.get('redirect_uri')).toBe('https://jwt.ms');
    expect(location.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const hint = location.searchParams.get('id_token_hint') as string;

    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/keys`));
    const { payload, protectedHeader } = await jwtVerify(hint, jwks, {
      issuer: t.loaded.config.issuer,
      audience: '63ba0d17-c4ba-47fd-89e9-31b3c2734339',
      algorithms: ['RS256'],
    });
    const published = await request(t.url).get('/.well-known/keys').expect(200);
    expect(published.body.keys.map((k: { kid: string }) => k.kid)).toContain(protectedHeader.kid);
    expect(protectedHeader.kid).toBe((await t.app.get(KeyStoreService).getActiveSigningKey()).kid);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({ email: 'ada.lovelace@example.com', name: 'Ada Lovelace', role: 'member', teams: ['blue', 'green'], seats: 3 });
    expect(payload.sub).toBeUndefined();
    // Landing mode: a short hint, minted now, never outliving the invitation.
    const now = Math.floor(Date.now() / 1000);
    expect(payload.nbf).toBeLessThanOrEqual(now);
    expect(payload.exp).toBe((payload.nbf as number) + 600);

    const detail = await request(t.url).get(`/api/invitations/${id}`).set(AUTH).expect(200);
    expect(detail.body.status).toBe('opened');
    expect(payload.jti).toBe(detail.body.tokens[0].jti);
    expect(detail.body.tokens[0]).toMatchObject({ kid: protectedHeader.kid, alg: 'RS256', current: true });
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual(['created', 'sent', 'delivered', 'opened', 'accepted']);
    expect(JSON.stringify(detail.body)).not.toContain(link.split('/').pop());

    // The B2C policy redeems the hint's jti once.
    const redeemed = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti: payload.jti }).expect(200);
    expect(redeemed.body).toMatchObject({ invitationId: id, email: 'ada.lovelace@example.com', relyingParty: 'contoso' });
    const again = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ token: hint });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ version: '1.0.0', status: 409, code: 'invitation_already_redeemed' });
    expect(again.body.userMessage).toMatch(/already been used/);

    const used = await request(link).get('');
    expect(used.status).toBe(410);
    expect(used.text).toContain('This invitation has already been used');
    expect(used.text).toMatch(/sign in to Contoso Portal/);
  });

  it('records "opened" once, and GET or HEAD burn nothing: the same link still continues', async () => {
    const created = await createInvitation(t, { email: 'scanner@example.com', relyingParty: 'contoso', send: false }).then((r) => r.body);
    for (let i = 0; i < 3; i++) await request(created.link).head('').expect(200);
    const page = await request(created.link).get('').expect(200);
    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(detail.body.status).toBe('opened');
    expect(detail.body.events.filter((e: { type: string }) => e.type === 'opened')).toHaveLength(1);
    await request(`${created.link}/accept`).post('').type('form').send({ csrf: csrfOf(page.text) }).expect(303);
  });

  it('refuses a cross-site POST and a missing or foreign CSRF token with a 403 page, minting nothing', async () => {
    const a = await createInvitation(t, { email: 'csrf-a@example.com', relyingParty: 'contoso', send: false }).then((r) => r.body);
    const b = await createInvitation(t, { email: 'csrf-b@example.com', relyingParty: 'contoso', send: false }).then((r) => r.body);
    const csrfA = csrfOf((await request(a.link).get('')).text);
    const csrfB = csrfOf((await request(b.link).get('')).text);

    const crossSite = await request(`${a.link}/accept`).post('').type('form').set('Sec-Fetch-Site', 'cross-site').send({ csrf: csrfA });
    const foreignOrigin = await request(`${a.link}/accept`).post('').type('form').set('Origin', 'https://evil.example').send({ csrf: csrfA });
    const missing = await request(`${a.link}/accept`).post('').type('form').send({});
    const otherCode = await request(`${a.link}/accept`).post('').type('form').send({ csrf: csrfB });
    for (const res of [crossSite, foreignOrigin, missing, otherCode]) {
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('This request could not be verified');
      expect(res.headers.location).toBeUndefined();
    }
    const detail = await request(t.url).get(`/api/invitations/${a.id}`).set(AUTH).expect(200);
    expect(detail.body.events.map((e: { type: string }) => e.type)).not.toContain('accepted');
  });

  it('answers an unknown or malformed code with a clear page, in the browser\'s language', async () => {
    const unknown = await request(t.url).get(`/invite/${'A'.repeat(43)}`).set('Accept-Language', 'ko-KR,ko;q=0.9,en;q=0.5');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<html lang="ko">');
    expect(unknown.text).toContain('초대를 찾을 수 없습니다');
    const malformed = await request(t.url).get('/invite/%3Cscript%3E');
    expect(malformed.status).toBe(404);
    expect(malformed.text).toContain('Invitation not found');
    expect(malformed.text).not.toContain('<script>');
    const post = await request(t.url).post(`/invite/${'B'.repeat(43)}/accept`).type('form').send({ csrf: 'x' });
    expect(post.status).toBe(404);
    expect(post.text).toContain('ask the person who invited you');
  });

  it('escapes what admins typed, and shows the page in the invitation\'s locale', async () => {
    const created = await createInvitation(t, {
      email: 'escape@example.com',
      relyingParty: 'contoso',
      inviterName: '<img src=x onerror=alert(1)>',
      locale: 'ko',
      send: false,
    }).then((r) => r.body);
    const page = await request(created.link).get('').expect(200);
    expect(page.text).toContain('<html lang="ko">');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;님이 Contoso Portal에 초대했습니다.');
  });
});

describe('landing routes under the public rate limit', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ overrides: { rateLimits: { public: { limit: 3, windowSeconds: 60 } } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 once a client has spent its budget, while the admin API stays available', async () => {
    const code = 'C'.repeat(43);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(t.url).get(`/invite/${code}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const post = await request(t.url).post(`/invite/${code}/accept`).type('form').send({ csrf: 'x' });
    expect(post.status).toBe(429);
    await request(t.url).get('/api/invitations').set(AUTH).expect(200);
  });

  it('answers the refusal with a page in the invitee’s language, not the API’s JSON', async () => {
    const res = await request(t.url).get(`/invite/${'D'.repeat(43)}`).set('Accept-Language', 'ko-KR,ko;q=0.9');
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).toContain('<html lang="ko">');
    expect(res.text).toContain('요청이 너무 많습니다');
  });
});

describe('landing routes when the service fails', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows a page saying so, in the invitee’s language, without the error’s details', async () => {
    const landing = t.app.get(LandingService);
    const failure = jest.spyOn(landing, 'open').mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error at /var/lib/tessera'));
    const res = await request(t.url).get(`/invite/${'E'.repeat(43)}`).set('Accept-Language', 'en');
    expect(failure).toHaveBeenCalled();
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Something went wrong on our side');
    expect(res.text).not.toContain('SQLITE_IOERR');
    expect(res.text).not.toContain('/var/lib/tessera');
  });
});
