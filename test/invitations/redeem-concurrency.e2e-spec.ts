import request from 'supertest';
import { describeEachDialect } from '../utils/database';
import { AUTH, createInvitation, startInvitationsApp, type InvitationsTestApp } from './support';

describeEachDialect('50 concurrent redemptions over HTTP', (dialect) => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ dialect });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers exactly one 200 and 49 409s in the B2C shape', async () => {
    const created = (await createInvitation(t, { email: 'race@example.com', relyingParty: 'contoso', send: false })).body;
    const jti = (await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200)).body.tokens[0].jti;

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => request(t.url).post('/api/invitations/redeem').set(AUTH).send({ jti })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body).toEqual({
        version: '1.0.0',
        status: 409,
        code: 'invitation_already_redeemed',
        userMessage: expect.stringMatching(/already been used/),
        developerMessage: expect.any(String),
      });
    }
    const detail = await request(t.url).get(`/api/invitations/${created.id}`).set(AUTH).expect(200);
    expect(detail.body.events.filter((e: { type: string }) => e.type === 'redeemed')).toHaveLength(1);
  });
});
