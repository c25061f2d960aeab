import { sql } from 'kysely';
import type { TesseraMigration } from '../persistence/migration';

export const mailOutboxMigration: TesseraMigration = {
  name: '0020_mail_outbox',
  async up(db) {
    await db.schema
      .createTable('mail_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('reference_type', 'text')
      .addColumn('reference_id', 'text')
      .addColumn('from_address', 'text', (c) => c.notNull())
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('html', 'text')
      .addColumn('text_body', 'text')
      .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('primary_link', 'text')
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint')
      .addColumn('lease_token', 'text')
      .addColumn('last_error', 'text')
      .addColumn('smtp_response', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // The worker's question: which pending rows are due?
    await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
    // The owner's question: what happened to the mail of this invitation?
    await db.schema.createIndex('mail_outbox_reference').on('mail_outbox').columns(['reference_type', 'reference_id']).execute();
  },
};

/**
 * Messages whose bodies are rendered when they are sent (`MailMessage.template`). Existing rows
 * keep their rendered bodies and are sent as they are.
 */
export const mailOutboxTemplatesMigration: TesseraMigration = {
  name: '0080_mail_outbox_templates',
  async up(db) {
    await db.schema.alterTable('mail_outbox').addColumn('template', 'text').execute();
  },
};
