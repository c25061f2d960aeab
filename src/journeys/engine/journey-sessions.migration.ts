import type { TesseraMigration } from '../../persistence/migration';

export const journeySessionsMigration: TesseraMigration = {
  name: '0070_journey_sessions',
  async up(db) {
    await db.schema
      .createTable('journey_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('policy_id', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('journey_sessions_expires').on('journey_sessions').column('expires_at').execute();
  },
};
