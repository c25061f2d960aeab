import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { InvalidRequestError, type FieldProblem } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import type { UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { Database, Db } from '../persistence/database';
import { CompiledInsert } from '../persistence/compiled-insert';
import { DatabaseService } from '../persistence/database.service';
import { mailDomain, parseMailbox, type Mailbox } from './mail-address';
import { MailTemplates, type MailTemplateContexts, type MailTemplateName, type PreparedTemplate } from './mail-templates.service';
import type { MailReference } from './mail-delivery-listeners';
import type { NewOutboxRow, OutboxRow, OutboxStatus } from './mail.tables';

/** More distinct senders than configuration could name: stop remembering new ones. */
const MAX_REMEMBERED_SENDERS = 64;

/** A message that reached a final state keeps its envelope, not its (link-bearing) bodies. */
const FINAL_BODIES_DROPPED = { html: null, text_body: null, primary_link: null, template: null } as const;

/** A message of `MailTemplates`: its subject is rendered at enqueue, its bodies when it is sent. */
export interface TemplatedBody<N extends MailTemplateName = MailTemplateName> {
  name: N;
  /** Preferred first, e.g. `[invitee's locale, relying party's default]`; English is the last fallback. */
  locales: readonly (string | null | undefined)[];
  context: MailTemplateContexts[N];
}

/** A message to queue: rendered bodies, or a template to render them from when it is sent. */
export interface MailMessage {
  /** One mailbox: `a@example.com` or `Name <a@example.com>`. */
  to: string;
  /** Default: `mail.from`. */
  from?: string;
  /** Required with `html`/`text`; with `template`, defaults to the template's subject. */
  subject?: string;
  /** At least one of `html` and `text`, or a `template`; send both (clients that show no HTML exist). */
  html?: string;
  text?: string;
  /**
   * Instead of `html` and `text`: rendered by the worker just before sending, with the context
   * checked now. The row then holds the context (a few hundred bytes) instead of the bodies.
   */
  template?: TemplatedBody;
  /** Extra header fields, e.g. `List-Unsubscribe`. Structural ones (From, To, Message-ID, …) are refused. */
  headers?: Record<string, string>;
  /** What the message belongs to; delivery results are reported to its listeners. */
  reference?: MailReference;
  /**
   * Names the logical message: queuing the same key again returns the row already queued instead
   * of a second one (e.g. `invitation:<id>:v<token version>`). At most 200 characters.
   */
  dedupeKey: string;
  /** The call to action; logged by the development file outbox only. Must be http(s). A template's is its link. */
  primaryLink?: string;
}

export interface EnqueuedMail {
  id: string;
  messageId: string;
  status: OutboxStatus;
  /** false when `dedupeKey` was already queued: nothing new was added. */
  created: boolean;
}

/** A row as other modules may see it: state, not content. */
export interface OutboxEntry {
  id: string;
  dedupeKey: string;
  messageId: string;
  reference?: MailReference;
  to: string;
  subject: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError?: string;
  smtpResponse?: string;
  sentAt?: Date;
  createdAt: Date;
}

export interface ClaimRequest {
  now: number;
  limit: number;
  leaseUntil: number;
  leaseToken: string;
}

/**
 * RFC 5322 §3.6 fields the message structure owns: set from the row's own columns, or by the
 * MIME builder. A caller setting them would produce a second, conflicting copy.
 */
const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to',
  'references', 'mime-version', 'content-type', 'content-transfer-encoding', 'return-path',
]);
/** RFC 5322 §3.6.8: printable US-ASCII except colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
/** RFC 5322 §2.1.1: a line must not exceed 998 characters; a subject is one (folded) field. */
const MAX_SUBJECT = 998;
const MAX_BODY = 1024 * 1024;
const MAX_KEY = 200;

/**
 * The transactional outbox (table `mail_outbox`). `enqueue` writes through the caller's
 * executor, so the message exists if and only if the caller's transaction commits; the worker
 * (`outbox.worker.ts`) claims, sends and records rows through the remaining methods.
 */
@Injectable()
export class OutboxService {
  /** Compiled once: every invitation runs it (see CompiledInsert). */
  private readonly insertRow: CompiledInsert<NewOutboxRow, Pick<OutboxRow, 'id' | 'message_id' | 'status'>>;

  constructor(
    private readonly database: DatabaseService,
    private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly templates: MailTemplates,
  ) {
    // ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
    // statement would abort the caller's whole transaction.
    this.insertRow = new CompiledInsert(database.db, (db, rows: NewOutboxRow[]) =>
      db
        .insertInto('mail_outbox')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(['id', 'message_id', 'status']),
    );
  }

  /** The `From` used when a message names none: `mail.from`, else no-reply at the public host. */
  get defaultFrom(): string {
    return this.config.mail.from ?? `Tessera <no-reply@${new URL(this.config.publicUrl).hostname}>`;
  }

  /**
   * Senders come from configuration (`mail.from`, a relying party's `mail.from`): a handful of
   * values, each parsed once instead of twice per message (validation, then the Message-ID).
   */
  private readonly senders = new Map<string, Mailbox | null>();

  private sender(from: string): Mailbox | undefined {
    let parsed = this.senders.get(from);
    if (parsed === undefined) {
      parsed = parseMailbox(from) ?? null;
      if (this.senders.size < MAX_REMEMBERED_SENDERS) this.senders.set(from, parsed);
    }
    return parsed ?? undefined;
  }

  /**
   * Queues `message` through `executor` — a Kysely transaction of the caller, or the database
   * itself. Invalid messages are refused with every problem named and nothing written.
   */
  async enqueue(executor: Db, message: MailMessage): Promise<EnqueuedMail> {
    const from = message.from ?? this.defaultFrom;
    const sender = this.sender(from);
    const problems: FieldProblem[] = [];
    const prepared = this.prepareTemplate(message, problems);
    const subject = message.subject ?? prepared?.subject;
    const template = prepared ? JSON.stringify(prepared.queued) : null;
    this.validate(message, subject, prepared, sender, problems);
    if (template !== null && template.length > MAX_BODY) throw InvalidRequestError.field('template.context', `is ${template.length} characters as stored; at most ${MAX_BODY}`);
    const now = this.clock.now().getTime();
    const id = this.random.timeOrderedUuid();
    // Stable across attempts, so a copy delivered twice after an ambiguous failure (the server
    // accepted, the reply was lost) is recognisable as the same message (RFC 5322 §3.6.4).
    const messageId = `<${id}@${mailDomain(sender!.address)}>`;
    const [inserted] = await this.insertRow.execute(executor, [
      {
        id,
        dedupe_key: message.dedupeKey,
        message_id: messageId,
        reference_type: message.reference?.type ?? null,
        reference_id: message.reference?.id ?? null,
        from_address: from,
        to_address: message.to,
        subject: subject!,
        html: message.html ?? null,
        text_body: message.text ?? null,
        headers: message.headers ? JSON.stringify(message.headers) : '{}',
        // A templated message's link is in its context: stored once.
        primary_link: message.primaryLink && message.primaryLink !== prepared?.primaryLink ? message.primaryLink : null,
        template,
        status: 'pending',
        next_attempt_at: now,
        locked_until: null,
        lease_token: null,
        last_error: null,
        smtp_response: null,
        sent_at: null,
        created_at: now,
        updated_at: now,
      },
    ]);
    if (inserted) return { id: inserted.id, messageId: inserted.message_id, status: inserted.status, created: true };
    const existing = await executor
      .selectFrom('mail_outbox')
      .select(['id', 'message_id', 'status'])
      .where('dedupe_key', '=', message.dedupeKey)
      .executeTakeFirstOrThrow();
    return { id: existing.id, messageId: existing.message_id, status: existing.status, created: false };
  }

  async get(id: string, executor: Db = this.database.db): Promise<OutboxEntry | undefined> {
    const row = await executor.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEntry(row);
  }

  async findByDedupeKey(dedupeKey: string, executor: Db = this.database.db): Promise<OutboxEntry | undefined> {
    const row = await executor.selectFrom('mail_outbox').selectAll().where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    return row && toEntry(row);
  }

  /** Every message queued for `reference`, oldest first. */
  async findByReference(reference: MailReference, executor: Db = this.database.db): Promise<OutboxEntry[]> {
    const rows = await executor
      .selectFrom('mail_outbox')
      .selectAll()
      .where('reference_type', '=', reference.type)
      .where('reference_id', '=', reference.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  /** How many rows are in each state; `due` counts pending rows whose time has come. */
  async counts(): Promise<Record<OutboxStatus | 'due', number>> {
    const now = this.clock.now().getTime();
    const rows = await this.database.db
      .selectFrom('mail_outbox')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    const due = await this.database.db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .executeTakeFirstOrThrow();
    const out = { pending: 0, sent: 0, failed: 0, due: Number(due.n) };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  /**
   * Claims up to `limit` due rows for `leaseToken` until `leaseUntil`, counting the attempt.
   * A row is due when pending, its time has come and nobody holds a live claim on it; a claim
   * whose holder died simply runs out. PostgreSQL: `FOR UPDATE SKIP LOCKED` lets concurrent
   * claimers pass over each other's rows instead of queueing behind them, and re-checks the
   * condition on the latest row version. SQLite has one writer at a time, so the single
   * UPDATE … RETURNING is atomic by itself.
   */
  async claimDue(request: ClaimRequest): Promise<OutboxRow[]> {
    const { db, dialect } = this.database;
    const { now } = request;
    // The due rows are picked in a MATERIALIZED CTE, evaluated exactly once. As a plain
    // `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL may rescan the subquery for each
    // candidate row, and with SKIP LOCKED every rescan finds n further rows: one claim took the
    // whole queue in testing.
    const rows = await db
      .with(
        (cte) => cte('due').materialized(),
        (qb) => {
          const due = qb
            .selectFrom('mail_outbox')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .orderBy('created_at')
            .limit(request.limit);
          return dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('mail_outbox')
      .set((eb) => ({
        lease_token: request.leaseToken,
        locked_until: request.leaseUntil,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returningAll()
      .execute();
    if (rows.length > request.limit) {
      // Not reachable with the CTE above; a claim beyond the batch would hold rows no lane sends.
      throw new Error(`claimed ${rows.length} rows for a batch of ${request.limit}`);
    }
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
  }

  /** Gives a claimed row back untouched (the attempt was not made). */
  release(id: string, leaseToken: string): Promise<boolean> {
    const query = this.database.db.updateTable('mail_outbox').set((eb) => ({
      lease_token: null,
      locked_until: null,
      attempts: eb('attempts', '-', 1),
      updated_at: this.clock.now().getTime(),
    }));
    return this.whileHeld(query, id, leaseToken);
  }

  /**
   * The record* methods change a row only while `leaseToken` still holds it: a worker whose
   * claim expired and was taken over must not overwrite the new holder's outcome. They return
   * whether the row was changed. Final states drop the bodies (see `mail.tables.ts`).
   */
  recordSent(executor: Db, id: string, leaseToken: string, outcome: { response: string; at: Date }): Promise<boolean> {
    const at = outcome.at.getTime();
    const query = executor.updateTable('mail_outbox').set({
      status: 'sent',
      smtp_response: outcome.response.slice(0, 1000),
      sent_at: at,
      ...FINAL_BODIES_DROPPED,
      lease_token: null,
      locked_until: null,
      updated_at: at,
    });
    return this.whileHeld(query, id, leaseToken);
  }

  recordRetry(executor: Db, id: string, leaseToken: string, outcome: { error: string; at: Date; nextAttemptAt: Date }): Promise<boolean> {
    const query = executor.updateTable('mail_outbox').set({
      last_error: outcome.error,
      next_attempt_at: outcome.nextAttemptAt.getTime(),
      lease_token: null,
      locked_until: null,
      updated_at: outcome.at.getTime(),
    });
    return this.whileHeld(query, id, leaseToken);
  }

  recordFailed(executor: Db, id: string, leaseToken: string, outcome: { error: string; at: Date }): Promise<boolean> {
    const query = executor.updateTable('mail_outbox').set({
      status: 'failed',
      last_error: outcome.error,
      ...FINAL_BODIES_DROPPED,
      lease_token: null,
      locked_until: null,
      updated_at: outcome.at.getTime(),
    });
    return this.whileHeld(query, id, leaseToken);
  }

  /** Updates a pending row only while `leaseToken` still holds it; true when it did. */
  private async whileHeld(
    query: UpdateQueryBuilder<Database, 'mail_outbox', 'mail_outbox', UpdateResult>,
    id: string,
    leaseToken: string,
  ): Promise<boolean> {
    const result = await query
      .where('id', '=', id)
      .where('lease_token', '=', leaseToken)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Gives up every message of `reference` that has not been sent yet (its sender withdrew what it
   * says, e.g. a revoked invitation): final as `failed` with `reason`, bodies dropped. A message
   * a worker is sending at this moment cannot be recalled; its outcome is then not recorded,
   * since the row is no longer pending. Returns how many were given up.
   */
  async cancelPending(executor: Db, reference: MailReference, reason: string): Promise<number> {
    const now = this.clock.now().getTime();
    const result = await executor
      .updateTable('mail_outbox')
      .set({
        status: 'failed',
        last_error: reason,
        ...FINAL_BODIES_DROPPED,
        lease_token: null,
        locked_until: null,
        updated_at: now,
      })
      .where('reference_type', '=', reference.type)
      .where('reference_id', '=', reference.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A template's enqueue half (context checked, subject rendered); its problems go to `problems`, under `template.context.`. */
  private prepareTemplate(message: MailMessage, problems: FieldProblem[]): PreparedTemplate | undefined {
    if (!message.template) return undefined;
    const { name, locales, context } = message.template;
    try {
      return this.templates.queue(name, locales, context);
    } catch (e) {
      if (!(e instanceof InvalidRequestError)) throw e;
      problems.push(...(e.details ?? []).map((d) => ({ ...d, field: `template.context.${d.field}` })));
      return undefined;
    }
  }

  private validate(message: MailMessage, subject: string | undefined, prepared: PreparedTemplate | undefined, sender: Mailbox | undefined, problems: FieldProblem[]): void {
    const bad = (field: string, problem: string) => problems.push({ field, problem });
    if (!parseMailbox(message.to)) bad('to', 'must be one email address, e.g. "a@example.com" or "Name <a@example.com>"');
    if (!sender) bad('from', 'must be one email address, e.g. "Tessera <no-reply@example.com>"');
    if (message.template && message.subject === undefined && !prepared) {
      // The subject was to come from the template, which could not be prepared: its problems say why.
    } else if (typeof subject !== 'string' || !subject.trim()) bad('subject', 'must not be empty');
    else if (/[\r\n]/.test(subject)) bad('subject', 'must be a single line');
    else if (subject.length > MAX_SUBJECT) bad('subject', `must be at most ${MAX_SUBJECT} characters`);
    if (message.template) {
      if (message.html !== undefined || message.text !== undefined) bad('template', 'give either a template or html/text bodies, not both');
    } else if (!message.html && !message.text) {
      bad('html', 'a message needs an html or a text body (ideally both), or a template');
    }
    for (const field of ['html', 'text'] as const) {
      const body = message[field];
      if (body !== undefined && typeof body !== 'string') bad(field, 'must be a string');
      else if (body && body.length > MAX_BODY) bad(field, `must be at most ${MAX_BODY} characters`);
    }
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (!FIELD_NAME.test(name)) bad(`headers.${name}`, 'is not a valid header field name');
      else if (RESERVED_HEADERS.has(name.toLowerCase())) bad(`headers.${name}`, 'is set by the outbox itself and cannot be given');
      else if (typeof value !== 'string' || /[\r\n]/.test(value)) bad(`headers.${name}`, 'must be a single-line string');
    }
    if (typeof message.dedupeKey !== 'string' || !message.dedupeKey) bad('dedupeKey', 'must not be empty');
    else if (message.dedupeKey.length > MAX_KEY) bad('dedupeKey', `must be at most ${MAX_KEY} characters`);
    if (message.reference !== undefined) {
      if (typeof message.reference.type !== 'string' || !message.reference.type || message.reference.type.length > MAX_KEY) {
        bad('reference.type', `must be a non-empty string of at most ${MAX_KEY} characters`);
      }
      if (typeof message.reference.id !== 'string' || !message.reference.id || message.reference.id.length > MAX_KEY) {
        bad('reference.id', `must be a non-empty string of at most ${MAX_KEY} characters`);
      }
    }
    if (message.primaryLink !== undefined && !isHttpUrl(message.primaryLink)) bad('primaryLink', 'must be an absolute http or https URL');
    if (problems.length) throw InvalidRequestError.fields(problems);
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    dedupeKey: row.dedupe_key,
    messageId: row.message_id,
    ...(row.reference_type !== null && row.reference_id !== null ? { reference: { type: row.reference_type, id: row.reference_id } } : {}),
    to: row.to_address,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.smtp_response !== null ? { smtpResponse: row.smtp_response } : {}),
    ...(row.sent_at !== null ? { sentAt: new Date(row.sent_at) } : {}),
    createdAt: new Date(row.created_at),
  };
}
