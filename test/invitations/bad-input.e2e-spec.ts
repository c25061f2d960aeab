import request from 'supertest';
import { DatabaseService } from '../../src/persistence/database.service';
import { AUTH, createInvitation, startInvitationsApp, type InvitationsTestApp } from './support';

/** Rows in the invitation tables and the outbox: bad input must leave every count unchanged. */
async function counts(t: InvitationsTestApp): Promise<Record<string, number>> {
  const db = t.app.get(DatabaseService).db;
  const out: Record<string, number> = {};
  for (const table of ['invitations', 'invitation_tokens', 'invitation_events', 'mail_outbox'] as const) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

describe('bad invitation requests: a 400 naming the field, nothing written, nothing sent', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a malformed email', { email: 'not-an-email', relyingParty: 'contoso' }, 'email', /not an email address/],
    ['a missing email', { relyingParty: 'contoso' }, 'email', /required/],
    ['an unknown relying party', { email: 'a@example.com', relyingParty: 'nope' }, 'relyingParty', /unknown relying party "nope".*contoso/],
    ['a claim the relying party does not allow', { email: 'a@example.com', relyingParty: 'contoso', claims: { admin: true } }, 'claims.admin', /not a claim.*allows.*role/],
    ['a registered claim name', { email: 'a@example.com', relyingParty: 'contoso', claims: { iss: 'https://evil.example' } }, 'claims.iss', /registered claim/],
    ['exp as a custom claim', { email: 'a@example.com', relyingParty: 'contoso', claims: { exp: 1 } }, 'claims.exp', /registered claim/],
    ['a claim of the wrong type', { email: 'a@example.com', relyingParty: 'contoso', claims: { seats: 'three' } }, 'claims.seats', /integer/],
    ['claims that are not an object', { email: 'a@example.com', relyingParty: 'contoso', claims: ['role'] }, 'claims', /JSON object/],
    ['a lifetime over the cap', { email: 'a@example.com', relyingParty: 'direct-app', expiresIn: 15 * 24 * 3600 }, 'expiresIn', /must not exceed 1209600 seconds/],
    ['a lifetime that is not seconds', { email: 'a@example.com', relyingParty: 'contoso', expiresIn: '7d' }, 'expiresIn', /whole number of seconds/],
    ['an email domain the relying party does not allow', { email: 'a@example.net', relyingParty: 'hs-app' }, 'email', /domain "example.net" is not allowed/],
    ['an unsupported locale', { email: 'a@example.com', relyingParty: 'contoso', locale: 'fr' }, 'locale', /en, ko/],
    ['an overlong name', { email: 'a@example.com', relyingParty: 'contoso', name: 'n'.repeat(201) }, 'name', /at most 200/],
    ['a name with a line break', { email: 'a@example.com', relyingParty: 'contoso', name: 'Eve\r\nBcc: x@example.com' }, 'name', /line breaks/],
    ['an oversized claim value', { email: 'a@example.com', relyingParty: 'contoso', claims: { role: 'r'.repeat(1025) } }, 'claims.role', /at most 1024/],
    ['a property the API does not know', { email: 'a@example.com', relyingParty: 'contoso', sub: 'x' }, 'sub', /should not exist/],
    ['send that is not a boolean', { email: 'a@example.com', relyingParty: 'contoso', send: 'yes' }, 'send', /true or false/],
  ];

  it.each(cases)('refuses %s', async (_name, body, field, problem) => {
    const before = await counts(t);
    const res = await createInvitation(t, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    const detail = res.body.details.find((d: { field: string }) => d.field === field);
    expect(detail).toBeDefined();
    expect(detail.problem).toMatch(problem);
    expect(await counts(t)).toEqual(before);
  });

  it('names every problem of one request at once', async () => {
    const res = await createInvitation(t, { email: 'bad', relyingParty: 'contoso', claims: { iss: 'x', nope: 1 }, expiresIn: 10 });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['claims.iss', 'claims.nope', 'email', 'expiresIn']);
  });

  it('refuses an oversized body with a 413 before anything runs, and malformed JSON with a 400', async () => {
    const before = await counts(t);
    const big = await request(t.url)
      .post('/api/invitations')
      .set(AUTH)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@example.com', relyingParty: 'contoso', name: 'x'.repeat(200 * 1024) }));
    expect(big.status).toBe(413);
    const broken = await request(t.url).post('/api/invitations').set(AUTH).set('Content-Type', 'application/json').send('{"email":');
    expect(broken.status).toBe(400);
    expect(await counts(t)).toEqual(before);
    expect(t.smtp.received).toHaveLength(0);
  });

  it('keeps the B2C shape for a malformed redemption request', async () => {
    for (const body of [{}, { jti: 42 }, { jti: 'a', token: 'b' }, { token: '' }]) {
      const res = await request(t.url).post('/api/invitations/redeem').set(AUTH).send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ version: '1.0.0', status: 400, code: 'invalid_request' });
      expect(res.body.userMessage).toMatch(/^(jti|token): /);
    }
    const unknown = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti: 'no-such-jti' });
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({ version: '1.0.0', status: 409, code: 'invitation_unknown' });
    const notJwt = await request(t.url).post('/api/invitations/redeem').set(AUTH).send({ token: 'a.b.c' });
    expect(notJwt.status).toBe(409);
    expect(notJwt.body.code).toBe('invitation_invalid_token');
  });

  it('refuses resend and revoke bodies with unknown or bad fields', async () => {
    const created = (await createInvitation(t, { email: 'body@example.com', relyingParty: 'contoso', send: false })).body;
    const before = await counts(t);
    const resend = await request(t.url).post(`/api/invitations/${created.id}/resend`).set(AUTH).send({ expiresIn: 40 * 24 * 3600 });
    expect(resend.status).toBe(400);
    expect(resend.body.details[0].field).toBe('expiresIn');
    const revoke = await request(t.url).post(`/api/invitations/${created.id}/revoke`).set(AUTH).send({ reason: 5 });
    expect(revoke.status).toBe(400);
    expect(revoke.body.details[0].field).toBe('reason');
    expect(await counts(t)).toEqual(before);
    await request(t.url).post('/api/invitations/nope/revoke').set(AUTH).send({}).expect(404);
  });
});
