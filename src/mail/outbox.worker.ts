import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Clock } from '../common/clock';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import type { Db } from '../persistence/database';
import { DatabaseService } from '../persistence/database.service';
import { backoffDelayMs, type BackoffPolicy } from './backoff';
import { mailDomain, parseMailbox, redactAddresses } from './mail-address';
import { MailDeliveryListeners, type MailDeliveryResult, type MailReference } from './mail-delivery-listeners';
import { classifySendError, MailDeliveryError } from './mail-delivery.error';
import { MailTemplates, UnknownMailTemplateError, type QueuedTemplate } from './mail-templates.service';
import { MailTransport, type OutgoingMail } from './mail-transport';
import type { OutboxRow } from './mail.tables';
import { OutboxService } from './outbox.service';

/** What one `drainOnce` did. `lost`: the claim ran out mid-send and another worker owns the row. */
export interface DrainReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  /** Claimed too late in the lease to start a send safely; given back untouched. */
  released: number;
  lost: number;
  /**
   * The outcome could not be written (database unreachable). The row stays claimed until its
   * lease runs out and is then attempted again: this is the at-least-once window.
   */
  unrecorded: number;
}

type Outcome = Exclude<keyof DrainReport, 'claimed'>;

/**
 * Sends queued mail. Each round claims a batch of due rows under a lease, sends them (a few at
 * a time) and records each outcome: `sent`; `retrying` with exponential backoff after a
 * transient failure; `failed` after a permanent one or the last allowed attempt.
 *
 * Delivery is at-least-once, never at-most-once: a message is lost only when given up on as
 * `failed`. The one window for a duplicate is between the SMTP server's acceptance of a message
 * and the UPDATE that marks its row `sent` — a crash (or a lost database connection) there
 * leaves the row claimed, and once the lease runs out it is sent again. That window is kept to
 * one local UPDATE right after the server's reply; the duplicate carries the same Message-ID, so
 * mail systems downstream can recognise it. The same goes for a connection that drops after the
 * message's final dot but before the reply: the server may have queued it, we cannot know.
 *
 * Several workers (instances, or `drainOnce` beside the background loop) never send one row
 * twice otherwise: a row is claimed by exactly one of them, and a worker only sends while its
 * claim has comfortably more than one send's worth of time left.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private readonly backoff: BackoffPolicy;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> | undefined;
  private kicked = false;

  constructor(
    private readonly config: TesseraConfig,
    private readonly database: DatabaseService,
    private readonly outbox: OutboxService,
    private readonly transport: MailTransport,
    private readonly listeners: MailDeliveryListeners,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly templates: MailTemplates,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.backoff = { baseSeconds: config.mail.backoffBaseSeconds, maxSeconds: config.mail.backoffMaxSeconds };
  }

  /**
   * Starts with the server. One-shot CLI commands boot the same modules without an HTTP adapter;
   * they do not start the loop (it would hold them open on a slow SMTP server), and send on
   * demand with `tessera mail drain` instead.
   */
  onApplicationBootstrap(): void {
    this.logger.log(`mail goes to the ${this.transport.describe()}`);
    if (this.config.mail.workerEnabled && this.adapterHost?.httpAdapter) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the background loop: a round at once, then one per poll interval while idle. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop and waits for the round in progress, so no send is cut off half-recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Asks for a round now instead of at the next poll (e.g. right after a commit that queued mail). */
  kick(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.kicked = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** One round: claim a batch of due messages, send them, record each outcome. */
  async drainOnce(): Promise<DrainReport> {
    const { batchSize, leaseSeconds, concurrency } = this.config.mail;
    const now = this.clock.now().getTime();
    const leaseToken = this.random.uuid();
    const leaseUntil = now + leaseSeconds * 1000;
    const rows = await this.outbox.claimDue({ now, limit: batchSize, leaseUntil, leaseToken });
    const report: DrainReport = { claimed: rows.length, sent: 0, retrying: 0, failed: 0, released: 0, lost: 0, unrecorded: 0 };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++];
        try {
          report[await this.deliver(row, leaseToken, leaseUntil)]++;
        } catch (error) {
          // One row's trouble must not end the round for the others (nor leave their sends
          // running after `drainOnce` has returned).
          this.logger.error(`mail ${row.id}: outcome not recorded: ${error instanceof Error ? error.message : String(error)}`);
          report.unrecorded++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
    return report;
  }

  private async deliver(row: OutboxRow, leaseToken: string, leaseUntil: number): Promise<Outcome> {
    // A send may take up to three SMTP timeouts (connect, greeting, data); starting one with less
    // claim left than that risks another worker taking the row over mid-send.
    const margin = 3 * this.config.mail.smtpTimeoutSeconds * 1000;
    if (this.clock.now().getTime() > leaseUntil - margin) {
      return (await this.outbox.release(row.id, leaseToken)) ? 'released' : 'lost';
    }
    const attempt = row.attempts;
    const domain = mailDomain(parseMailbox(row.to_address)?.address ?? '');
    let result: MailDeliveryResult;
    try {
      const sent = await this.transport.send(this.compose(row));
      result = { outboxId: row.id, status: 'sent', attempt, messageId: row.message_id, response: sent.response, at: this.clock.now() };
    } catch (error) {
      const failure = classifySendError(error);
      const at = this.clock.now();
      const giveUp = failure.kind === 'permanent' || attempt >= this.config.mail.maxAttempts;
      result = giveUp
        ? { outboxId: row.id, status: 'failed', attempt, messageId: row.message_id, error: failure.reason, at }
        : {
            outboxId: row.id,
            status: 'retrying',
            attempt,
            messageId: row.message_id,
            error: failure.reason,
            at,
            nextAttemptAt: new Date(at.getTime() + backoffDelayMs(attempt, this.backoff, this.random)),
          };
      const what = giveUp ? `gave up (${failure.kind} failure)` : `will retry at ${result.nextAttemptAt!.toISOString()}`;
      this.logger.warn(`mail ${row.id} to a recipient at ${domain}: attempt ${attempt} failed: ${redactAddresses(failure.reason)}; ${what}`);
    }
    const recorded = await this.record(row, leaseToken, result);
    if (!recorded) {
      this.logger.warn(`mail ${row.id}: its claim ran out during the attempt and another worker took it over; outcome not recorded`);
      return 'lost';
    }
    if (result.status === 'sent') this.logger.log(`mail ${row.id} to a recipient at ${domain} sent (attempt ${attempt})`);
    return result.status;
  }

  /**
   * The message as the transport takes it. A templated row is rendered here. One that names a
   * template this version lacks was queued by a newer version sharing the database: a transient
   * failure, retried with backoff (an instance that has the template may take it meanwhile). One
   * whose context the template's rules refuse, or whose column is not JSON, fails for good: no
   * retry renders it better. Reasons name the problem, never the context's values.
   */
  private compose(row: OutboxRow): OutgoingMail {
    let bodies: { html?: string; text?: string; primaryLink?: string } = {
      ...(row.html !== null ? { html: row.html } : {}),
      ...(row.text_body !== null ? { text: row.text_body } : {}),
    };
    if (row.template !== null) {
      try {
        bodies = this.templates.renderQueued(JSON.parse(row.template) as QueuedTemplate);
      } catch (e) {
        const why = e instanceof SyntaxError ? 'its template column is not valid JSON' : (e as Error).message.split('\n')[0];
        throw new MailDeliveryError(e instanceof UnknownMailTemplateError ? 'transient' : 'permanent', `the message could not be rendered: ${why}`, { cause: e });
      }
    }
    return {
      id: row.id,
      messageId: row.message_id,
      from: row.from_address,
      to: row.to_address,
      subject: row.subject,
      ...bodies,
      headers: JSON.parse(row.headers) as Record<string, string>,
      ...(row.primary_link !== null ? { primaryLink: row.primary_link } : {}),
      createdAt: new Date(row.created_at),
    };
  }

  /**
   * Writes the outcome and, in the same transaction, lets the reference's listeners record it.
   * A failing listener must not undo the outcome — a sent message recorded as still pending
   * would be sent again — so the outcome is then written alone (and the listener failure logged).
   */
  private async record(row: OutboxRow, leaseToken: string, result: MailDeliveryResult): Promise<boolean> {
    const write = (executor: Db): Promise<boolean> => {
      switch (result.status) {
        case 'sent':
          return this.outbox.recordSent(executor, row.id, leaseToken, { response: result.response ?? '', at: result.at });
        case 'retrying':
          return this.outbox.recordRetry(executor, row.id, leaseToken, { error: result.error ?? '', at: result.at, nextAttemptAt: result.nextAttemptAt! });
        case 'failed':
          return this.outbox.recordFailed(executor, row.id, leaseToken, { error: result.error ?? '', at: result.at });
      }
    };
    const reference: MailReference | undefined =
      row.reference_type !== null && row.reference_id !== null ? { type: row.reference_type, id: row.reference_id } : undefined;
    if (!reference || !this.listeners.has(reference.type)) return write(this.database.db);
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        const written = await write(trx);
        if (written) await this.listeners.notify(reference, result, trx);
        return written;
      });
    } catch {
      return write(this.database.db);
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // The HTTP server keeps the process alive; a pending poll alone should not.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.running) return;
    let full = false;
    const round = this.drainOnce().then(
      (report) => {
        full = report.claimed >= this.config.mail.batchSize;
      },
      (error: unknown) => {
        // The database may be briefly unreachable; the next round tries again.
        this.logger.error(`mail worker round failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    this.inFlight = round;
    await round;
    this.inFlight = undefined;
    const again = full || this.kicked;
    this.kicked = false;
    if (this.running) this.schedule(again ? 0 : this.config.mail.pollIntervalMs);
  }
}
