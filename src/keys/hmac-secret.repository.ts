import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DatabaseService } from '../persistence/database.service';
import type { HmacSecretTable } from './keys.tables';

export type HmacSecretRow = Selectable<HmacSecretTable>;

/** The `hmac_secrets` table. */
@Injectable()
export class HmacSecretRepository {
  constructor(private readonly database: DatabaseService) {}

  private get db() {
    return this.database.db;
  }

  async findByName(name: string): Promise<HmacSecretRow | undefined> {
    return this.db.selectFrom('hmac_secrets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(): Promise<HmacSecretRow[]> {
    return this.db.selectFrom('hmac_secrets').selectAll().orderBy('name').execute();
  }

  async first(): Promise<HmacSecretRow | undefined> {
    return this.db.selectFrom('hmac_secrets').selectAll().orderBy('name').limit(1).executeTakeFirst();
  }

  /**
   * Creates the secret, or replaces its value under a new kid (a kid never names two different
   * secrets). Returns whether a previous value was replaced. Writes come first (no read-then-write
   * transaction), so concurrent callers wait for each other instead of failing; of two creating
   * the same name at once, one gets a unique violation and may retry.
   */
  async upsert(row: HmacSecretRow): Promise<{ replaced: boolean; createdAt: number }> {
    const updated = await this.db
      .updateTable('hmac_secrets')
      .set({ kid: row.kid, secret_enc: row.secret_enc, updated_at: row.updated_at })
      .where('name', '=', row.name)
      .returning('created_at')
      .executeTakeFirst();
    if (updated) return { replaced: true, createdAt: updated.created_at };
    await this.db.insertInto('hmac_secrets').values(row).execute();
    return { replaced: false, createdAt: row.created_at };
  }
}
