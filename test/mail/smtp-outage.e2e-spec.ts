import { Logger } from '@nestjs/common';
import type { TesseraConfig } from '../../src/config/config.schema';
import { SmtpMailTransport } from '../../src/mail/smtp-mail-transport';
import { DatabaseService } from '../../src/persistence/database.service';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../utils/database';
import { FixedClock, mailConfig, mailInstance, message, type MailInstance } from './outbox-harness';
import { SmtpTestServer, unusedPort } from './smtp-test-server';

beforeAll(() => Logger.overrideLogger(false));

/**
 * The outbox against a real SMTP server (smtp-server on 127.0.0.1), read back with mailparser:
 * what arrives, how often, and what the rows say afterwards.
 */
describeEachDialect('mail outbox over SMTP', (dialect) => {
  let database: TestDatabase;
  let config: TesseraConfig;
  let clock: FixedClock;
  let transport: SmtpMailTransport;
  let server: SmtpTestServer | undefined;
  let mail: MailInstance;
  let port: number;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    port = await unusedPort();
    config = mailConfig(database.url, { batchSize: 20, concurrency: 5, maxAttempts: 10, backoffBaseSeconds: 30, backoffMaxSeconds: 3600 }, {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
    });
    clock = new FixedClock(Date.UTC(2026, 0, 1));
    transport = new SmtpMailTransport({ url: config.smtpUrl!, maxConnections: config.mail.concurrency, timeoutSeconds: config.mail.smtpTimeoutSeconds });
    mail = mailInstance(database.service, config, transport, clock);
  });

  afterEach(async () => {
    await transport.close();
    await server?.close();
    server = undefined;
    await database.close();
  });

  async function rows() {
    return database.service.db.selectFrom('mail_outbox').selectAll().execute();
  }

  /** drainOnce until a round claims nothing: every due row has had its attempt. */
  async function drainDue(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      if ((await mail.worker.drainOnce()).claimed === 0) return;
    }
    throw new Error('the outbox kept finding due rows');
  }

  it('loses nothing while the server is down and delivers each of 100 messages exactly once after', async () => {
    await database.service.db.transaction().execute(async (trx) => {
      for (let n = 0; n < 100; n++) await mail.outbox.enqueue(trx, message(n));
    });

    // The server is down: every attempt is refused and rescheduled, none given up.
    await drainDue();
    let all = await rows();
    expect(all).toHaveLength(100);
    for (const row of all) {
      expect(row.status).toBe('pending');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/ECONNECTION|ECONNREFUSED/);
      expect(row.next_attempt_at).toBeGreaterThan(clock.now().getTime());
      expect(row.html).not.toBeNull();
    }

    // A second outage round, after the backoff: still nothing lost, the attempt counted.
    clock.advance(3600);
    await drainDue();
    expect((await rows()).every((r) => r.status === 'pending' && r.attempts === 2)).toBe(true);

    server = await SmtpTestServer.start({ port });
    for (let round = 0; round < 10 && (await mail.outbox.counts()).pending > 0; round++) {
      clock.advance(3600);
      await drainDue();
    }

    all = await rows();
    expect(all.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(server.received).toHaveLength(100);
    const receivedIds = server.received.map((m) => m.parsed.messageId);
    expect(new Set(receivedIds).size).toBe(100);
    expect(new Set(receivedIds)).toEqual(new Set(all.map((r) => r.message_id)));
    for (const row of all) {
      expect(row.attempts).toBe(3);
      expect(row.smtp_response).toMatch(/^250 /);
    }
    const first = server.received.find((m) => m.parsed.subject === 'Invitation 7')!;
    expect(first.envelopeTo).toEqual(['invitee7@example.com']);
    expect(first.parsed.text).toBe('Hello 7\n');

    // Nothing more goes out later.
    clock.advance(24 * 3600);
    await drainDue();
    expect(server.received).toHaveLength(100);
  });

  it('ends a permanent rejection as failed with the reason, and still delivers the rest', async () => {
    server = await SmtpTestServer.start({
      port,
      rejectRecipient: (address) => (address === 'invitee2@example.com' ? { code: 550, message: '5.1.1 <invitee2@example.com>: no such user' } : undefined),
    });
    const statuses: string[] = [];
    mail.listeners.register('invitation', (reference, result) => {
      statuses.push(`${reference.id}:${result.status}`);
    });
    for (let n = 1; n <= 3; n++) await mail.outbox.enqueue(database.service.db, message(n));

    expect(await mail.worker.drainOnce()).toMatchObject({ claimed: 3, sent: 2, failed: 1 });

    expect(await mail.outbox.findByDedupeKey('invitation:inv-2:v1')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringMatching(/550.*no such user/),
    });
    expect(server.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['invitee1@example.com', 'invitee3@example.com']);
    expect(statuses.sort()).toEqual(['inv-1:sent', 'inv-2:failed', 'inv-3:sent']);
  });
});

describe('mail outbox over SMTP, several instances', () => {
  it('delivers each message once when two workers share one SQLite database and one server', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await SmtpTestServer.start();
    const config = mailConfig(database.url, { batchSize: 5, concurrency: 2 }, { SMTP_URL: server.url });
    const clock = new FixedClock(Date.UTC(2026, 0, 1));
    const transports = [0, 1].map(() => new SmtpMailTransport({ url: server.url, maxConnections: 2, timeoutSeconds: 5 }));
    const secondConnection = new DatabaseService({ url: database.url });
    try {
      const a = mailInstance(database.service, config, transports[0], clock);
      const b = mailInstance(secondConnection, config, transports[1], clock);
      for (let n = 0; n < 40; n++) await a.outbox.enqueue(database.service.db, message(n));
      const drain = async (instance: MailInstance) => {
        for (let round = 0; round < 50; round++) if ((await instance.worker.drainOnce()).claimed === 0) return;
      };
      await Promise.all([drain(a), drain(b)]);

      expect(server.received).toHaveLength(40);
      expect(new Set(server.received.map((m) => m.parsed.messageId)).size).toBe(40);
    } finally {
      for (const t of transports) await t.close();
      await secondConnection.db.destroy();
      await server.close();
      await database.close();
    }
  });
});
