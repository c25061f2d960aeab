import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../persistence/database.service';
import type { LocalAccountRow, NewLocalAccountRow } from './local-accounts.tables';

/** Reads and writes of `local_accounts`; nothing here decides anything. */
@Injectable()
export class LocalAccountsRepository {
  constructor(private readonly database: DatabaseService) {}

  /** Inserts the account; false when the email address is taken (the unique index decides races). */
  async insert(row: NewLocalAccountRow): Promise<boolean> {
    try {
      await this.database.db.insertInto('local_accounts').values(row).execute();
      return true;
    } catch (e) {
      if (this.database.isUniqueViolation(e)) return false;
      throw e;
    }
  }

  findByEmail(email: string): Promise<LocalAccountRow | undefined> {
    return this.database.db.selectFrom('local_accounts').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findByObjectId(objectId: string): Promise<LocalAccountRow | undefined> {
    return this.database.db.selectFrom('local_accounts').selectAll().where('object_id', '=', objectId).executeTakeFirst();
  }

  async update(objectId: string, changes: { passwordHash?: string; attributes?: string }, nowMs: number): Promise<boolean> {
    const result = await this.database.db
      .updateTable('local_accounts')
      .set({
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        ...(changes.attributes !== undefined ? { attributes: changes.attributes } : {}),
        updated_at: nowMs,
      })
      .where('object_id', '=', objectId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
