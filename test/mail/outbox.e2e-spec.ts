import { Logger } from '@nestjs/common';
import { InvalidRequestError } from '../../src/common/errors';
import { Random } from '../../src/common/random';
import type { TesseraConfig } from '../../src/config/config.schema';
import type { MailDeliveryResult, MailReference } from '../../src/mail/mail-delivery-listeners';
import { MailDeliveryError } from '../../src/mail/mail-delivery.error';
import type { QueuedTemplate } from '../../src/mail/mail-templates.service';
import type { MailMessage } from '../../src/mail/outbox.service';
import { DatabaseService } from '../../src/persistence/database.service';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../utils/database';
import { FixedClock, mailConfig, mailInstance, message, ScriptedTransport, type MailInstance } from './outbox-harness';

beforeAll(() => Logger.overrideLogger(false));

/** Backoff jitter pinned to its lowest value, so the next attempt time is exact. */
class LowRandom extends Random {
  override bytes(length: number): Buffer {
    return Buffer.alloc(length, 0);
  }
}

describeEachDialect('mail outbox', (dialect) => {
  let database: TestDatabase;
  let config: TesseraConfig;
  let clock: FixedClock;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    config = mailConfig(database.url, { maxAttempts: 3, backoffBaseSeconds: 30, backoffMaxSeconds: 3600, batchSize: 10, concurrency: 3 });
    clock = new FixedClock(Date.UTC(2026, 0, 1));
  });

  afterEach(async () => {
    await database.close();
  });

  function instance(transport = new ScriptedTransport(), random: Random = new LowRandom()): MailInstance & { transport: ScriptedTransport } {
    return { ...mailInstance(database.service, config, transport, clock, random), transport };
  }

  async function rows() {
    return database.service.db.selectFrom('mail_outbox').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  describe('enqueue', () => {
    it("exists only if the caller's transaction commits", async () => {
      const { outbox } = instance();
      await expect(
        database.service.db.transaction().execute(async (trx) => {
          await outbox.enqueue(trx, message(1));
          throw new Error('the invitation could not be saved');
        }),
      ).rejects.toThrow('the invitation could not be saved');
      expect(await rows()).toHaveLength(0);

      const queued = await database.service.db.transaction().execute((trx) => outbox.enqueue(trx, message(2)));
      expect(queued).toMatchObject({ created: true, status: 'pending' });
      expect(queued.messageId).toBe(`<${queued.id}@tessera.test>`);
      const [row] = await rows();
      expect(row).toMatchObject({
        id: queued.id,
        status: 'pending',
        attempts: 0,
        to_address: 'Invitee 2 <invitee2@example.com>',
        from_address: 'Tessera <no-reply@tessera.test>',
        reference_type: 'invitation',
        reference_id: 'inv-2',
        next_attempt_at: clock.now().getTime(),
      });
    });

    it('queues a dedupe key once, even twice in one transaction, without breaking the transaction', async () => {
      const { outbox } = instance();
      const [first, second, third] = await database.service.db.transaction().execute(async (trx) => [
        await outbox.enqueue(trx, message(1)),
        await outbox.enqueue(trx, message(1, { subject: 'a different rendering' })),
        // A statement after the conflict still works: PostgreSQL would refuse it had the
        // conflict aborted the transaction.
        await outbox.enqueue(trx, message(2)),
      ]);
      expect(first.created).toBe(true);
      expect(second).toEqual({ ...first, created: false });
      expect(third.created).toBe(true);
      const all = await rows();
      expect(all).toHaveLength(2);
      expect(all.find((r) => r.id === first.id)?.subject).toBe('Invitation 1');
    });

    it('refuses a bad message naming every problem, and writes nothing', async () => {
      const { outbox } = instance();
      const error = await outbox
        .enqueue(database.service.db, {
          to: 'not an address, second@example.com',
          subject: 'line one\r\nBcc: everyone@example.com',
          headers: { 'Message-ID': '<forged@example.com>', 'X-Ok': 'fine', 'X-Bad': 'a\r\nb' },
          dedupeKey: '',
          primaryLink: 'javascript:alert(1)',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      const fields = (error as InvalidRequestError).details!.map((d) => d.field).sort();
      expect(fields).toEqual(['dedupeKey', 'headers.Message-ID', 'headers.X-Bad', 'html', 'primaryLink', 'subject', 'to']);
      expect(await rows()).toHaveLength(0);
    });

    it('refuses a bad sender every time it is named, and still takes a good one', async () => {
      // Senders are parsed once and remembered: a remembered refusal must stay a refusal.
      const { outbox } = instance();
      for (const n of [1, 2]) {
        const error = await outbox
          .enqueue(database.service.db, message(n, { from: 'Tessera <not an address>' }))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).details!.map((d) => d.field)).toEqual(['from']);
      }
      const queued = await outbox.enqueue(database.service.db, message(3, { from: 'Invitations <invitations@sender.test>' }));
      expect(queued.messageId).toBe(`<${queued.id}@sender.test>`);
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('worker', () => {
    it('sends due messages, records the reply, forgets the bodies and tells the listeners', async () => {
      const { outbox, worker, listeners, transport } = instance();
      const results: Array<[MailReference, MailDeliveryResult]> = [];
      listeners.register('invitation', (reference, result) => {
        results.push([reference, result]);
      });
      const queued = await outbox.enqueue(database.service.db, message(1, { headers: { 'X-Campaign': 'spring' }, primaryLink: 'https://tessera.test/invite/abc' }));

      const report = await worker.drainOnce();

      expect(report).toEqual({ claimed: 1, sent: 1, retrying: 0, failed: 0, released: 0, lost: 0, unrecorded: 0 });
      expect(transport.sent).toHaveLength(1);
      expect(transport.sent[0]).toMatchObject({
        id: queued.id,
        messageId: queued.messageId,
        subject: 'Invitation 1',
        html: '<p>Hello 1</p>',
        text: 'Hello 1\n',
        headers: { 'X-Campaign': 'spring' },
        primaryLink: 'https://tessera.test/invite/abc',
      });
      const [row] = await rows();
      expect(row).toMatchObject({ status: 'sent', attempts: 1, smtp_response: '250 OK', sent_at: clock.now().getTime() });
      expect(row).toMatchObject({ html: null, text_body: null, primary_link: null, lease_token: null, locked_until: null });
      expect(results).toEqual([
        [{ type: 'invitation', id: 'inv-1' }, { outboxId: queued.id, status: 'sent', attempt: 1, messageId: queued.messageId, response: '250 OK', at: clock.now() }],
      ]);
      expect(await worker.drainOnce()).toMatchObject({ claimed: 0 });
      expect(transport.sent).toHaveLength(1);
    });

    it('reschedules a transient failure with backoff and sends it once the time has come', async () => {
      const { outbox, worker, listeners, transport } = instance(
        new ScriptedTransport((mail, call) => {
          if (call === 1) throw new MailDeliveryError('transient', 'ECONNECTION connect ECONNREFUSED');
          return { messageId: mail.messageId, response: '250 OK' };
        }),
      );
      const statuses: string[] = [];
      listeners.register('invitation', (_ref, result) => {
        statuses.push(`${result.status}#${result.attempt}`);
      });
      await outbox.enqueue(database.service.db, message(1));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      let [row] = await rows();
      // LowRandom: the fixed half of the first step, 30 s / 2.
      expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'ECONNECTION connect ECONNREFUSED', next_attempt_at: clock.now().getTime() + 15_000 });
      expect(row.lease_token).toBeNull();

      clock.advance(14);
      expect(await worker.drainOnce()).toMatchObject({ claimed: 0 });
      clock.advance(1);
      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
      [row] = await rows();
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
      expect(transport.sent).toHaveLength(1);
      expect(statuses).toEqual(['retrying#1', 'sent#2']);
    });

    it('gives up after mail.maxAttempts transient failures', async () => {
      const { outbox, worker, listeners } = instance(
        new ScriptedTransport(() => {
          throw new MailDeliveryError('transient', '421 4.3.2 service shutting down');
        }),
      );
      const results: MailDeliveryResult[] = [];
      listeners.register('invitation', (_ref, result) => {
        results.push(result);
      });
      await outbox.enqueue(database.service.db, message(1));

      for (let i = 0; i < 10; i++) {
        await worker.drainOnce();
        clock.advance(3600);
      }

      const [row] = await rows();
      expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: '421 4.3.2 service shutting down', html: null, text_body: null });
      expect(results.map((r) => r.status)).toEqual(['retrying', 'retrying', 'failed']);
      expect(results[1].nextAttemptAt).toEqual(new Date(results[1].at.getTime() + 30_000));
    });

    it('fails a permanent rejection at once, with the reason', async () => {
      const { outbox, worker } = instance(
        new ScriptedTransport(() => {
          throw new MailDeliveryError('permanent', 'EENVELOPE 550 5.1.1 no such user');
        }),
      );
      await outbox.enqueue(database.service.db, message(1));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, failed: 1 });
      expect((await rows())[0]).toMatchObject({ status: 'failed', attempts: 1, last_error: 'EENVELOPE 550 5.1.1 no such user' });
      expect(await outbox.get((await rows())[0].id)).toMatchObject({ status: 'failed', lastError: 'EENVELOPE 550 5.1.1 no such user' });
    });

    it("takes over a crashed instance's claim only once its lease has run out, and fences the old holder", async () => {
      const { outbox, worker, transport } = instance();
      const queued = await outbox.enqueue(database.service.db, message(1));
      const now = clock.now().getTime();
      // Another instance claimed the row and died before recording anything.
      const [claimed] = await outbox.claimDue({ now, limit: 10, leaseUntil: now + 60_000, leaseToken: 'crashed-instance' });
      expect(claimed.id).toBe(queued.id);

      expect(await worker.drainOnce()).toMatchObject({ claimed: 0 });
      clock.advance(60);
      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(transport.sent).toHaveLength(1);
      // The old holder coming back cannot overwrite the outcome.
      expect(await outbox.recordRetry(database.service.db, queued.id, 'crashed-instance', { error: 'late', at: clock.now(), nextAttemptAt: clock.now() })).toBe(false);
      expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('gives back rows it claimed when too little of the lease is left to send them safely', async () => {
      config.mail.concurrency = 1;
      const { outbox, worker, transport } = instance(
        new ScriptedTransport((mail) => {
          // The first send is very slow: by its end the claim has almost run out.
          clock.advance(config.mail.leaseSeconds - 1);
          return { messageId: mail.messageId, response: '250 OK' };
        }),
      );
      for (let n = 1; n <= 3; n++) await outbox.enqueue(database.service.db, message(n));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 3, sent: 1, released: 2 });
      expect(transport.sent).toHaveLength(1);
      const released = (await rows()).filter((r) => r.status === 'pending');
      expect(released).toHaveLength(2);
      for (const r of released) expect(r).toMatchObject({ attempts: 0, lease_token: null, locked_until: null });
      expect(await worker.drainOnce()).toMatchObject({ claimed: 2 });
    });

    it('lets a listener write in the same transaction as the outcome', async () => {
      await database.service.db.schema
        .createTable('delivery_log')
        .addColumn('outbox_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      const { outbox, worker, listeners } = instance();
      const seen: string[] = [];
      listeners.register('invitation', async (_ref, result, executor) => {
        // Inside the transaction, the row already shows the outcome being recorded.
        const row = await executor.selectFrom('mail_outbox').select('status').where('id', '=', result.outboxId).executeTakeFirstOrThrow();
        seen.push(row.status);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        await (executor as any).insertInto('delivery_log').values({ outbox_id: result.outboxId, status: result.status }).execute();
      });
      const queued = await outbox.enqueue(database.service.db, message(1));

      await worker.drainOnce();

      expect(seen).toEqual(['sent']);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const log = await (database.service.db as any).selectFrom('delivery_log').selectAll().execute();
      expect(log).toEqual([{ outbox_id: queued.id, status: 'sent' }]);
    });

    it('records a sent message as sent even when a listener fails, so it is not sent again', async () => {
      const { outbox, worker, listeners, transport } = instance();
      listeners.register('invitation', () => {
        throw new Error('listener bug');
      });
      await outbox.enqueue(database.service.db, message(1));

      expect(await worker.drainOnce()).toMatchObject({ sent: 1 });
      clock.advance(3600);
      expect(await worker.drainOnce()).toMatchObject({ claimed: 0 });
      expect(transport.sent).toHaveLength(1);
      expect((await rows())[0].status).toBe('sent');
    });

    it('reports on messages by reference and counts them by state', async () => {
      const { outbox, worker } = instance(
        new ScriptedTransport((mail) => {
          if (mail.to.includes('invitee2@')) throw new MailDeliveryError('permanent', '550 no such user');
          return { messageId: mail.messageId, response: '250 OK' };
        }),
      );
      await outbox.enqueue(database.service.db, message(1));
      await outbox.enqueue(database.service.db, message(2));
      clock.advance(1);
      await outbox.enqueue(database.service.db, message(3, { reference: { type: 'invitation', id: 'inv-1' }, dedupeKey: 'invitation:inv-1:v2' }));
      // Queued "in the future" so that it is not yet due when the worker runs.
      clock.advance(60);
      await outbox.enqueue(database.service.db, message(4));
      clock.advance(-60);

      await worker.drainOnce();

      expect(await outbox.counts()).toEqual({ pending: 1, sent: 2, failed: 1, due: 0 });
      const history = await outbox.findByReference({ type: 'invitation', id: 'inv-1' });
      expect(history.map((e) => [e.dedupeKey, e.status])).toEqual([
        ['invitation:inv-1:v1', 'sent'],
        ['invitation:inv-1:v2', 'sent'],
      ]);
      expect(await outbox.findByDedupeKey('invitation:inv-2:v1')).toMatchObject({ status: 'failed', lastError: '550 no such user', attempts: 1 });
    });
  });

  describe('templated messages', () => {
    const context = {
      inviteeName: 'Ada <Lovelace>',
      inviterName: 'Grace',
      relyingPartyName: 'Contoso',
      link: 'https://tessera.test/invite/abc?x=1&y=2',
      expiresAt: new Date(Date.UTC(2026, 0, 8, 15, 0)),
    };
    const templated = (n: number, overrides: Partial<MailMessage> = {}): MailMessage => {
      const { html: _html, text: _text, subject: _subject, ...envelope } = message(n);
      return { ...envelope, template: { name: 'invitation', locales: ['ko', 'en'], context }, ...overrides };
    };

    /** Queues a templated message, then changes its stored template as another version or a bad write could have. */
    async function queueAltered(outbox: MailInstance['outbox'], alter: (stored: QueuedTemplate) => unknown): Promise<void> {
      const queued = await outbox.enqueue(database.service.db, templated(1));
      const row = (await rows())[0];
      const template = JSON.stringify(alter(JSON.parse(row.template!) as QueuedTemplate));
      await database.service.db.updateTable('mail_outbox').set({ template }).where('id', '=', queued.id).execute();
    }

    it("keep the template's context instead of bodies, and take its subject unless one is given", async () => {
      const { outbox, templates } = instance();
      const one = await outbox.enqueue(database.service.db, templated(1));
      const two = await outbox.enqueue(database.service.db, templated(2, { subject: 'Join Contoso' }));

      // By id: both rows carry the fixed clock's created_at, and ids of one millisecond need not sort in order.
      const all = await rows();
      const [first, second] = [one, two].map((q) => all.find((r) => r.id === q.id)!);
      const rendered = templates.render('invitation', 'ko', context);
      expect(first).toMatchObject({ subject: rendered.subject, html: null, text_body: null, primary_link: null });
      expect(JSON.parse(first.template!)).toEqual({
        name: 'invitation',
        locale: 'ko',
        formatLocale: 'ko',
        locales: ['ko', 'en'],
        context: { ...context, expiresAt: '2026-01-08T15:00:00.000Z' },
      });
      expect(second.subject).toBe('Join Contoso');
    });

    it('are refused with the problems of the context and of the message together, and nothing written', async () => {
      const { outbox } = instance();
      const error = await outbox
        .enqueue(database.service.db, templated(1, { to: 'nobody', template: { name: 'invitation', locales: ['en'], context: { ...context, link: 'javascript:alert(1)' } } }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).details!.map((d) => d.field).sort()).toEqual(['template.context.link', 'to']);

      const both = await outbox.enqueue(database.service.db, templated(2, { html: '<p>also</p>' })).catch((e: unknown) => e);
      expect((both as InvalidRequestError).details!.map((d) => d.field)).toEqual(['template']);
      expect(await rows()).toHaveLength(0);
    });

    it('are rendered by the worker as render() would, with the link as the call to action, and forgotten once sent', async () => {
      const { outbox, worker, transport, templates } = instance();
      await outbox.enqueue(database.service.db, templated(1, { subject: 'Join Contoso' }));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });

      const rendered = templates.render('invitation', ['ko', 'en'], context);
      expect(transport.sent[0]).toMatchObject({ subject: 'Join Contoso', html: rendered.html, text: rendered.text, primaryLink: context.link });
      expect((await rows())[0]).toMatchObject({ status: 'sent', template: null, html: null, text_body: null });
    });

    it('are retried, unsent, when they name a template this version lacks (a newer one queued them)', async () => {
      const { outbox, worker, transport } = instance();
      await queueAltered(outbox, (stored) => ({ ...stored, name: 'farewell' }));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      expect(transport.sent).toHaveLength(0);
      expect((await rows())[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: 'the message could not be rendered: no mail template named "farewell"',
      });
      expect((await rows())[0].template).not.toBeNull();
    });

    it('fail for good, unsent, when their context breaks the template\'s rules', async () => {
      const { outbox, worker, transport } = instance();
      await queueAltered(outbox, (stored) => ({ ...stored, context: { ...stored.context, link: 'javascript:alert(1)' } }));

      expect(await worker.drainOnce()).toMatchObject({ claimed: 1, failed: 1 });
      expect(transport.sent).toHaveLength(0);
      expect((await rows())[0]).toMatchObject({
        status: 'failed',
        attempts: 1,
        last_error: 'the message could not be rendered: queued "invitation" message: link must be an absolute http or https URL',
        template: null,
      });
    });

    it('list an empty subject with the other problems', async () => {
      const { outbox } = instance();
      const error = await outbox.enqueue(database.service.db, templated(1, { to: 'nobody', subject: '' })).catch((e: unknown) => e);
      expect((error as InvalidRequestError).details!.map((d) => d.field).sort()).toEqual(['subject', 'to']);
    });
  });

  describe('two instances on one database', () => {
    it('never send the same row twice', async () => {
      const second = new DatabaseService({ url: database.url });
      // No send completes before both instances hold claims at the same time: the test is
      // about their contention, so it must not pass by one of them draining everything alone.
      // (Bounded: should one never get a claim, the gate opens and the assertions say so.)
      const started = new Set<string>();
      let bothClaimed!: () => void;
      const gate = new Promise<void>((resolve) => (bothClaimed = resolve));
      const bound = setTimeout(() => bothClaimed(), 3_000);
      try {
        const sharedSends: string[] = [];
        const transport = (name: string) =>
          new ScriptedTransport(async (mail) => {
            started.add(name);
            if (started.size === 2) bothClaimed();
            await gate;
            sharedSends.push(mail.id);
            return { messageId: mail.messageId, response: '250 OK' };
          });
        const transportA = transport('a');
        const transportB = transport('b');
        const a = mailInstance(database.service, config, transportA, clock);
        const b = mailInstance(second, config, transportB, clock);
        const total = 120;
        await database.service.db.transaction().execute(async (trx) => {
          for (let n = 0; n < total; n++) await a.outbox.enqueue(trx, message(n));
        });

        // Both drain side by side until neither finds anything (a bounded loop).
        const drain = async (worker: typeof a.worker) => {
          for (let round = 0; round < 100; round++) {
            const report = await worker.drainOnce();
            if (report.claimed === 0) return;
          }
          throw new Error('the outbox did not drain');
        };
        await Promise.all([drain(a.worker), drain(b.worker), drain(a.worker), drain(b.worker)]);

        expect(started).toEqual(new Set(['a', 'b']));
        expect(transportA.sent.length).toBeGreaterThan(0);
        expect(transportB.sent.length).toBeGreaterThan(0);
        expect(sharedSends).toHaveLength(total);
        expect(new Set(sharedSends).size).toBe(total);
        expect(await a.outbox.counts()).toEqual({ pending: 0, sent: total, failed: 0, due: 0 });
      } finally {
        clearTimeout(bound);
        await second.db.destroy();
      }
    });
  });
});

describe('mail outbox on an empty database', () => {
  it('claims nothing', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const { worker } = mailInstance(database.service, mailConfig(database.url), new ScriptedTransport(), new FixedClock());
      expect(await worker.drainOnce()).toEqual({ claimed: 0, sent: 0, retrying: 0, failed: 0, released: 0, lost: 0, unrecorded: 0 });
    } finally {
      await database.close();
    }
  });
});
