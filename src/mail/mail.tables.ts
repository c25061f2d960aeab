import type { Generated, Insertable, Selectable } from 'kysely';

/** Where a message is in its life. `sent` and `failed` are final. */
export type OutboxStatus = 'pending' | 'sent' | 'failed';

/**
 * One queued message (table `mail_outbox`, migration `0020_mail_outbox`). Timestamps are epoch
 * milliseconds. Bodies (and a template's context) are cleared once a row is final: they may carry
 * secret-bearing links (an invitation's landing URL), and nothing reads them after delivery.
 */
export interface MailOutboxTable {
  id: string;
  /** Caller-chosen key of the logical message; unique, so a message is never queued twice. */
  dedupe_key: string;
  /** RFC 5322 Message-ID, fixed at enqueue so every attempt carries the same one. */
  message_id: string;
  reference_type: string | null;
  reference_id: string | null;
  from_address: string;
  to_address: string;
  subject: string;
  html: string | null;
  text_body: string | null;
  /** JSON object of extra header fields. */
  headers: string;
  /** The message's call to action, logged only by the development file outbox (a templated message's is in `template`). */
  primary_link: string | null;
  /**
   * A message rendered when it is sent: JSON of `QueuedTemplate` (template name, locale, context),
   * in place of `html` and `text_body` (migration `0080_mail_outbox_templates`).
   */
  template: string | null;
  status: OutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** A claim: the worker whose `lease_token` matches owns the row until `locked_until`. */
  locked_until: number | null;
  lease_token: string | null;
  last_error: string | null;
  /** The SMTP server's final reply (e.g. `250 2.0.0 queued as …`) or the file written. */
  smtp_response: string | null;
  sent_at: number | null;
  created_at: number;
  updated_at: number;
}

export type OutboxRow = Selectable<MailOutboxTable>;
export type NewOutboxRow = Insertable<MailOutboxTable>;

declare module '../persistence/database' {
  interface Database {
    mail_outbox: MailOutboxTable;
  }
}
