import request from 'supertest';
import { describeEachDialect } from '../utils/database';
import { AUTH, createInvitation, startInvitationsApp, type InvitationsTestApp } from './support';

/**
 * Mail queued for an invitation that is then revoked or resent must not go out later (after an
 * SMTP outage, say): a revoked invitation was often sent to the wrong address, and a resent one's
 * queued copy carries the link that just stopped working.
 */
describeEachDialect('queued invitation mail that is withdrawn', (dialect) => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ dialect });
  });
  afterAll(async () => {
    await t?.close();
  });

  const to = (address: string) => t.smtp.received.filter((m) => m.envelopeTo.includes(address));

  it('revoking (or superseding) an invitation whose email has not gone out yet withdraws the email', async () => {
    const wrong = (await createInvitation(t, { email: 'wrong-address@example.com', relyingParty: 'contoso' }).then((r) => r.body)) as { id: string };
    await request(t.url).post(`/api/invitations/${wrong.id}/revoke`).set(AUTH).send({ reason: 'sent to the wrong address' }).expect(200);
    await createInvitation(t, { email: 'superseded@example.com', relyingParty: 'contoso' }).then((r) => expect(r.status).toBe(201));
    const second = await createInvitation(t, { email: 'superseded@example.com', relyingParty: 'contoso', supersede: true });
    expect(second.status).toBe(201);

    await t.deliver();

    expect(to('wrong-address@example.com')).toHaveLength(0);
    // Only the superseding invitation's email, with its own link.
    expect(to('superseded@example.com')).toHaveLength(1);
    expect(to('superseded@example.com')[0].parsed.text).toContain(second.body.link);

    const detail = await request(t.url).get(`/api/invitations/${wrong.id}`).set(AUTH).expect(200);
    expect(detail.body.events.map((e: { type: string }) => e.type)).not.toContain('delivered');
  });

  it('a resend withdraws the queued copy of the previous version: only the new link is delivered', async () => {
    const created = await createInvitation(t, { email: 'resent-before-delivery@example.com', relyingParty: 'contoso' });
    expect(created.status).toBe(201);
    const resent = await request(t.url).post(`/api/invitations/${created.body.id}/resend`).set(AUTH).send({}).expect(200);

    await t.deliver();

    const received = to('resent-before-delivery@example.com');
    expect(received).toHaveLength(1);
    expect(received[0].parsed.text).toContain(resent.body.link);
    expect(received[0].parsed.text).not.toContain(created.body.link);
  });
});
