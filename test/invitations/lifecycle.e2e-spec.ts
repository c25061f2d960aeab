import request from 'supertest';
import { ApiKeysService, ENVIRONMENT_PRINCIPAL } from '../../src/auth/api-keys.service';
import type { FixedClock } from '../../src/common/clock';
import { AUTH, createInvitation, csrfOf, startInvitationsApp, type InvitationsTestApp } from './support';

async function currentJti(t: InvitationsTestApp, id: string): Promise<string> {
  const detail = await request(t.url).get(`/api/invitations/${id}`).set(AUTH).expect(200);
  return detail.body.tokens.find((tk: { current: boolean }) => tk.current).jti;
}

describe('invitation lifecycle over the admin API and the landing page', () => {
  let t: InvitationsTestApp;
  let clock: FixedClock;
  beforeAll(async () => {
    t = await startInvitationsApp({ fixedClock: true });
    clock = t.clock as FixedClock;
  });
  afterAll(async () => {
    await t.close();
  });

  it('resend: same id, new token version and link; the old jti and link stop working at once, the new ones work', async () => {
    const createdResponse = await createInvitation(t, { email: 'resend@example.com', relyingParty: 'contoso' });
    expect(createdResponse.headers['cache-control']).toBe('no-store');
    const created = createdResponse.body;
    const oldJti = await currentJti(t, created.id);

    const resent = await request(t.url).post(`/api/invitations/${created.id}/resend`).set(AUTH).send({}).expect(200);
    expect(resent.body).toMatchObject({ id: created.id, version: 2, status: 'pending', mail: 'queued' });
    // Responses carrying a link (a bearer credential) must not be cached anywhere.
    expect(resent.headers['cache-control']).toBe('no-store');
    expect(resent.body.link).not.toBe(created.link);
    const newJti = await currentJti(t, created.id);
    expect(newJti).not.toBe(oldJti);

    const old = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti: oldJti });
    expect(old.status).toBe(409);
    expect(old.body).toMatchObject({ version: '1.0.0', status: 409, code: 'invitation_superseded' });
    expect(old.body.userMessage).toMatch(/replaced by a newer one/);

    const oldPage = await request(created.link).get('');
    expect(oldPage.status).toBe(410);
    expect(oldPage.text).toContain('This invitation link has been replaced');

    await request(resent.body.link).get('').expect(200);
    await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti: newJti }).expect(200);

    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(detail.body.tokens).toEqual([
      expect.objectContaining({ jti: oldJti, version: 1, current: false, supersededAt: expect.any(String) }),
      expect.objectContaining({ jti: newJti, version: 2, current: true }),
    ]);
    expect(detail.body.events.map((e: { type: string; actor: string }) => `${e.type}:${e.actor}`)).toEqual([
      'created:env',
      'sent:env',
      'resent:env',
      'sent:env',
      'opened:invitee',
      'redeemed:env',
    ]);
    await t.deliver();
    // The first version's email was still queued: the resend withdrew it, so only the new link goes out.
    await t.smtp.waitForCount(1);
    const delivered = t.smtp.received.filter((m) => m.envelopeTo.includes('resend@example.com'));
    expect(delivered).toHaveLength(1);
    expect(delivered[0].parsed.text).toContain(resent.body.link);
  });

  it('revoke: refused with its own message on the API and on the landing page; revoking again changes nothing', async () => {
    const created = (await createInvitation(t, { email: 'revoke@example.com', relyingParty: 'contoso', send: false })).body;
    const page = await request(created.link).get('').expect(200);
    const revoked = await request(t.url).post(`/api/invitations/${created.id}/revoke`).set(AUTH).send({ reason: 'wrong person' }).expect(200);
    expect(revoked.body.status).toBe('revoked');
    await request(t.url).post(`/api/invitations/${created.id}/revoke`).set(AUTH).send({}).expect(200);

    const redeem = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti: await currentJti(t, created.id) });
    expect(redeem.status).toBe(409);
    expect(redeem.body.code).toBe('invitation_revoked');
    expect(redeem.body.userMessage).toMatch(/withdrawn/);

    const landing = await request(created.link).get('');
    expect(landing.status).toBe(410);
    expect(landing.text).toContain('This invitation has been withdrawn');
    const accept = await request(`${created.link}/accept`).post('').type('form').send({ csrf: csrfOf(page.text) });
    expect(accept.status).toBe(410);
    expect(accept.headers.location).toBeUndefined();

    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(detail.body.events.filter((e: { type: string }) => e.type === 'revoked')).toEqual([
      expect.objectContaining({ actor: 'env', data: { reason: 'wrong person' } }),
    ]);
    await request(t.url).post(`/api/invitations/${created.id}/resend`).set(AUTH).send({}).expect(409);
  });

  it('expiry: computed from the clock, refused on the API and the page; a resend renews it', async () => {
    const created = (await createInvitation(t, { email: 'expire@example.com', relyingParty: 'contoso', expiresIn: 3600, send: false })).body;
    const jti = await currentJti(t, created.id);
    const page = await request(created.link).get('').expect(200);
    clock.advance(3601);

    const got = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(got.body.status).toBe('expired');
    const redeem = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti });
    expect(redeem.status).toBe(409);
    expect(redeem.body.code).toBe('invitation_expired');
    expect(redeem.body.userMessage).toMatch(/expired/);
    const landing = await request(created.link).get('');
    expect(landing.status).toBe(410);
    expect(landing.text).toContain('This invitation has expired');
    const accept = await request(`${created.link}/accept`).post('').type('form').send({ csrf: csrfOf(page.text) });
    expect(accept.status).toBe(410);

    const listed = await request(t.url).get('/api/invitations').query({ status: 'expired', email: 'expire@example.com' }).set(AUTH).expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([created.id]);

    // A new invitation for the same person is not blocked by the expired one.
    const second = await createInvitation(t, { email: 'expire@example.com', relyingParty: 'contoso', send: false });
    expect(second.status).toBe(201);
    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toContain('expired');

    // Resending an expired invitation that still holds its slot gives it a fresh lifetime.
    const lapsed = (await createInvitation(t, { email: 'renew@example.com', relyingParty: 'contoso', expiresIn: 60, send: false })).body;
    clock.advance(61);
    const renewed = await request(t.url).post(`/api/invitations/${lapsed.id}/resend`).set(AUTH).send({ send: false }).expect(200);
    expect(renewed.body.status).toBe('pending');
    expect(Date.parse(renewed.body.expiresAt)).toBe(clock.now().getTime() + 7 * 24 * 3600 * 1000);
    await request(renewed.body.link).get('').expect(200);
  });

  it('one live invitation per email and relying party: a 409 naming it, unless superseding', async () => {
    const first = (await createInvitation(t, { email: 'dup@example.com', relyingParty: 'contoso', send: false })).body;
    const conflict = await createInvitation(t, { email: 'DUP@example.com', relyingParty: 'contoso' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.existingInvitation).toMatchObject({ id: first.id, status: 'pending' });
    expect(conflict.body.error_description).toContain(first.id);
    // Another relying party is another slot.
    await createInvitation(t, { email: 'dup@example.com', relyingParty: 'direct-app', send: false }).then((r) => expect(r.status).toBe(201));

    const second = await createInvitation(t, { email: 'dup@example.com', relyingParty: 'contoso', supersede: true, send: false });
    expect(second.status).toBe(201);
    const old = await request(t.url).get(`/api/invitations/${first.id}`).set(AUTH).expect(200);
    expect(old.body.status).toBe('revoked');
    expect(old.body.events.at(-1)).toMatchObject({ type: 'revoked', data: { reason: 'superseded', supersededBy: second.body.id } });
  });

  it('lists newest first with filters and cursor paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      ids.push((await createInvitation(t, { email: `page${i}@example.com`, relyingParty: 'direct-app', send: false })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(t.url)
        .get('/api/invitations')
        .query({ relyingParty: 'direct-app', status: 'pending', limit: 2, ...(cursor ? { cursor } : {}) })
        .set(AUTH)
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const item of res.body.items) expect(item).not.toHaveProperty('link');
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    const bad = await request(t.url).get('/api/invitations').query({ status: 'lost', limit: 0 }).set(AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['limit', 'status']);
    await request(t.url).get('/api/invitations').query({ cursor: 'garbage' }).set(AUTH).expect(400);
    await request(t.url).get('/api/invitations/no-such-id').set(AUTH).expect(404);
  });

  it('scopes: reading needs invitations:read and never shows a link; writing and redeeming need their own scope', async () => {
    const keys = t.app.get(ApiKeysService);
    const reader = (await keys.create({ name: 'reader', scopes: ['invitations:read'] }, ENVIRONMENT_PRINCIPAL)).key;
    const redeemer = (await keys.create({ name: 'b2c', scopes: ['invitations:redeem'] }, ENVIRONMENT_PRINCIPAL)).key;
    const created = (await createInvitation(t, { email: 'scopes@example.com', relyingParty: 'contoso', send: false })).body;
    const asReader = { Authorization: `Bearer ${reader}` };

    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(asReader).expect(200);
    expect(JSON.stringify(detail.body)).not.toContain(created.link.split('/').pop());
    expect(detail.body).not.toHaveProperty('link');
    await request(t.url).post('/api/invitations').set(asReader).send({ email: 'x@example.com', relyingParty: 'contoso' }).expect(403);
    await request(t.url).post(`/api/invitations/${created.id}/resend`).set(asReader).send({}).expect(403);
    await request(t.url).post('/api/invitations/redeem').set(asReader).send({ jti: 'x' }).expect(403);
    await request(t.url).post('/api/invitations').send({ email: 'x@example.com', relyingParty: 'contoso' }).expect(401);

    const jti = detail.body.tokens[0].jti;
    const redeemed = await request(t.url).post('/api/invitations/redeem').set({ Authorization: `Bearer ${redeemer}` }).send({ jti });
    expect(redeemed.status).toBe(200);
    const after = await request(t.url).get(`/api/invitations/${created.id}`).set(asReader).expect(200);
    expect(after.body.status).toBe('redeemed');
  });
});
