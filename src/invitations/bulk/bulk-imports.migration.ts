import type { TesseraMigration } from '../../persistence/migration';

/**
 * Bulk imports and their per-row results. Named for what it adds to the API: `Idempotency-Key`
 * on `POST /api/invitations/bulk` is unique per API key, enforced here, so two concurrent
 * requests with one key cannot both run.
 */
export const bulkImportsMigration: TesseraMigration = {
  name: '0040_idempotency_keys',
  async up(db) {
    await db.schema
      .createTable('bulk_imports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('request_format', 'text', (c) => c.notNull())
      .addColumn('request_relying_party', 'text')
      .addColumn('request_send', 'integer', (c) => c.notNull())
      .addColumn('body_sha256', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('lease_token', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addColumn('total_rows', 'integer', (c) => c.notNull())
      .addColumn('processed_rows', 'integer', (c) => c.notNull())
      .addColumn('created_count', 'integer', (c) => c.notNull())
      .addColumn('duplicate_count', 'integer', (c) => c.notNull())
      .addColumn('invalid_count', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .execute();
    // NULLs are distinct in both SQLite and PostgreSQL: imports without a key never collide.
    await db.schema.createIndex('bulk_imports_idempotency_key').on('bulk_imports').columns(['actor', 'idempotency_key']).unique().execute();
    await db.schema.createIndex('bulk_imports_updated').on('bulk_imports').column('updated_at').execute();

    await db.schema
      .createTable('bulk_import_rows')
      .addColumn('import_id', 'text', (c) => c.notNull().references('bulk_imports.id'))
      .addColumn('row_no', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('invitation_id', 'text')
      .addColumn('field', 'text')
      .addColumn('reason', 'text')
      .addPrimaryKeyConstraint('bulk_import_rows_pk', ['import_id', 'row_no'])
      .execute();
  },
};
