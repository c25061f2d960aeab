import request from 'supertest';
import type { FixedClock } from '../../src/common/clock';
import { OutboxService } from '../../src/mail/outbox.service';
import { OutboxWorker } from '../../src/mail/outbox.worker';
import { SmtpTestServer, unusedPort } from '../mail/smtp-test-server';
import { startTestApp, type TestApp } from '../utils/app';
import { describeEachDialect } from '../utils/database';
import { AUTH, MAIL_FROM, pinClock, RELYING_PARTIES } from './support';

jest.setTimeout(60_000);

/**
 * The invitations issue: "SMTP down while 100 invitations are created: after it comes back all
 * 100 messages arrive exactly once." Invitations are created over the admin API while nothing
 * listens on the SMTP port; then a real SMTP server takes that port and the worker catches up.
 */
describeEachDialect('invitations while the SMTP server is down', (dialect) => {
  let t: TestApp;
  let clock: FixedClock;
  let smtp: SmtpTestServer | undefined;
  let port: number;

  beforeEach(async () => {
    port = await unusedPort();
    t = await startTestApp({
      dialect,
      env: { SMTP_URL: `smtp://127.0.0.1:${port}` },
      // The worker's own loop is off: the test drives it, so every attempt is observable.
      overrides: { relyingParties: RELYING_PARTIES, mail: { workerEnabled: false, from: MAIL_FROM } },
      beforeListen: (app) => {
        clock = pinClock(app);
      },
    });
  });

  afterEach(async () => {
    await t.close();
    await smtp?.close();
    smtp = undefined;
  });

  it('keeps every message while SMTP is down and delivers each of the 100 exactly once when it is back', async () => {
    const emails = Array.from({ length: 100 }, (_, i) => `invitee-${i}@example.com`);
    const ids: string[] = [];
    for (let i = 0; i < emails.length; i += 10) {
      const created = await Promise.all(
        emails.slice(i, i + 10).map((email) => request(t.url).post('/api/invitations').set(AUTH).send({ email, relyingParty: 'contoso' })),
      );
      for (const res of created) {
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
    }

    const worker = t.app.get(OutboxWorker);
    const outbox = t.app.get(OutboxService);
    const down = await worker.drainOnce();
    expect(down.sent).toBe(0);
    expect(down.retrying).toBeGreaterThan(0);
    expect(await outbox.counts()).toMatchObject({ pending: 100, sent: 0, failed: 0 });

    smtp = await SmtpTestServer.start({ port });
    // Past every backoff, then drain until the queue is empty (bounded: a few rounds suffice).
    for (let round = 0; round < 20 && (await outbox.counts()).pending > 0; round++) {
      clock.advance(3600);
      await worker.drainOnce();
    }
    const again = await worker.drainOnce();
    expect(again.claimed).toBe(0);

    expect(await outbox.counts()).toMatchObject({ pending: 0, sent: 100, failed: 0 });
    expect(smtp.received).toHaveLength(100);
    const recipients = smtp.received.flatMap((m) => m.envelopeTo).sort();
    expect(recipients).toEqual([...emails].sort());
    expect(new Set(smtp.received.map((m) => m.parsed.messageId)).size).toBe(100);

    // Each invitation records the outcome: attempts that failed, then its delivery.
    for (const id of [ids[0], ids[57], ids[99]]) {
      const res = await request(t.url).get(`/api/invitations/${id}`).set(AUTH).expect(200);
      const types = (res.body.events as Array<{ type: string }>).map((e) => e.type);
      expect(types).toContain('delivered');
      expect(types.filter((type) => type === 'delivered')).toHaveLength(1);
    }
  });
});
