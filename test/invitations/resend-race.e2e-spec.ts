import request from 'supertest';
import type { FixedClock } from '../../src/common/clock';
import { describeEachDialect } from '../utils/database';
import { AUTH, createInvitation, startInvitationsApp, type InvitationsTestApp } from './support';

/**
 * Resending an invitation that has expired and given up its (email, relying party) slot revives
 * it, while a create for the same person may take that slot at the same moment. Exactly one of
 * them may hold it; the other is a 409 naming the holder, never a 500.
 */
describeEachDialect('resend of an expired invitation racing a create for the same person', (dialect) => {
  let t: InvitationsTestApp;
  let clock: FixedClock;
  beforeAll(async () => {
    t = await startInvitationsApp({ dialect, fixedClock: true });
    clock = t.clock as FixedClock;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ends with one live invitation and a 409 for the loser, however the two interleave', async () => {
    for (let round = 0; round < 10; round++) {
      const email = `race-${round}@example.com`;
      const expired = (await createInvitation(t, { email, relyingParty: 'contoso', expiresIn: 60, send: false })).body;
      clock.advance(61);
      // A second invitation writes the first down as expired (freeing its slot), then goes itself.
      const between = (await createInvitation(t, { email, relyingParty: 'contoso', send: false })).body;
      await request(t.url).post(`/api/invitations/${between.id}/revoke`).set(AUTH).send({}).expect(200);

      const [resent, created] = await Promise.all([
        request(t.url).post(`/api/invitations/${expired.id}/resend`).set(AUTH).send({ send: false }),
        createInvitation(t, { email, relyingParty: 'contoso', send: false }),
      ]);
      expect([200, 409]).toContain(resent.status);
      expect([201, 409]).toContain(created.status);
      const winners = [resent.status === 200, created.status === 201].filter(Boolean);
      expect(winners).toHaveLength(1);
      const loser = resent.status === 409 ? resent : created;
      expect(loser.body.existingInvitation).toMatchObject({ id: resent.status === 200 ? expired.id : created.body.id });

      const live = await request(t.url).get('/api/invitations').query({ email, status: 'pending' }).set(AUTH).expect(200);
      expect(live.body.items).toHaveLength(1);
    }
  });
});
