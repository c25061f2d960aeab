import type { TesseraMigration } from '../persistence/migration';

export const apiKeysMigration: TesseraMigration = {
  name: '0010_api_keys',
  async up(db) {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('revoked_by', 'text')
      // NULLs never collide in a unique index (SQLite and PostgreSQL alike), so only first-start
      // keys take part in it.
      .addColumn('first_start_seq', 'integer', (c) => c.unique())
      .execute();
  },
};
