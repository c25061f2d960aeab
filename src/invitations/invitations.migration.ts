import { sql } from 'kysely';
import type { TesseraMigration } from '../persistence/migration';

export const invitationsMigration: TesseraMigration = {
  name: '0030_invitations',
  async up(db, dialect) {
    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('inviter_name', 'text')
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('relying_party', 'text', (c) => c.notNull())
      .addColumn('invited_by', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('current_jti', 'text', (c) => c.notNull().unique())
      .addColumn('code_hash', 'text', (c) => c.unique())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('opened_at', 'bigint')
      .addColumn('redeemed_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // One live invitation per person and relying party, enforced by the database itself so two
    // concurrent requests cannot both create one (the loser gets a 409 naming the winner).
    await sql`CREATE UNIQUE INDEX invitations_one_live_per_invitee ON invitations (email, relying_party)
              WHERE status IN ('pending', 'opened')`.execute(db);
    await db.schema.createIndex('invitations_created').on('invitations').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('invitations_status').on('invitations').columns(['status', 'expires_at']).execute();

    await db.schema
      .createTable('invitation_tokens')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.unique())
      .addColumn('kid', 'text')
      .addColumn('alg', 'text')
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('last_minted_at', 'bigint')
      .addColumn('superseded_at', 'bigint')
      .execute();
    await db.schema.createIndex('invitation_tokens_invitation').on('invitation_tokens').column('invitation_id').execute();

    await db.schema
      .createTable('invitation_events')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text')
      .execute();
    await db.schema.createIndex('invitation_events_invitation').on('invitation_events').columns(['invitation_id', 'id']).execute();

    await db.schema
      .createTable('invitation_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
