import { sql } from 'kysely';
import type { TesseraMigration } from '../persistence/migration';

export const signingKeysMigration: TesseraMigration = {
  name: '0001_signing_keys',
  async up(db) {
    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('next', 'active', 'retired')`))
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('private_key_enc', 'text', (c) => c.notNull())
      .addColumn('certificate_not_before', 'bigint', (c) => c.notNull())
      .addColumn('certificate_not_after', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('activated_at', 'bigint')
      .addColumn('retired_at', 'bigint')
      .addColumn('publish_until', 'bigint')
      .execute();
    // "Exactly one active key per algorithm", held by the database itself so that two instances
    // promoting at once cannot both win; the same for the one `next` key a rotation creates.
    // Partial unique indexes work alike in SQLite (3.8+) and PostgreSQL.
    await db.schema
      .createIndex('signing_keys_one_active_per_alg')
      .on('signing_keys')
      .column('alg')
      .unique()
      .where(sql.ref('state'), '=', 'active')
      .execute();
    await db.schema
      .createIndex('signing_keys_one_next_per_alg')
      .on('signing_keys')
      .column('alg')
      .unique()
      .where(sql.ref('state'), '=', 'next')
      .execute();
  },
};

export const hmacSecretsMigration: TesseraMigration = {
  name: '0002_hmac_secrets',
  async up(db) {
    await db.schema
      .createTable('hmac_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('kid', 'text', (c) => c.notNull().unique())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
