import type { TesseraMigration } from '../../persistence/migration';

export const localAccountsMigration: TesseraMigration = {
  name: '0071_local_accounts',
  async up(db) {
    await db.schema
      .createTable('local_accounts')
      .addColumn('object_id', 'text', (c) => c.primaryKey())
      // Unique in the database itself: of two concurrent sign-ups for one address, one wins.
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
