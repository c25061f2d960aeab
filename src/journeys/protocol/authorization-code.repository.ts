import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DatabaseService } from '../../persistence/database.service';
import type { AuthorizationCodeTable } from './authorization-codes.tables';

export type AuthorizationCodeRow = Selectable<AuthorizationCodeTable>;

/** Every query on `authorization_codes`. */
@Injectable()
export class AuthorizationCodeRepository {
  constructor(private readonly database: DatabaseService) {}

  async insert(row: AuthorizationCodeRow): Promise<void> {
    await this.database.db.insertInto('authorization_codes').values(row).execute();
  }

  async find(codeHash: string): Promise<AuthorizationCodeRow | undefined> {
    return this.database.db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  /**
   * Marks the code used, if nobody has: a conditional UPDATE, so of any number of concurrent
   * redemptions on any number of instances exactly one sees `true`.
   */
  async consume(codeHash: string, at: number): Promise<boolean> {
    const result = await this.database.db
      .updateTable('authorization_codes')
      .set({ consumed_at: at })
      .where('code_hash', '=', codeHash)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes codes that expired before `before`; returns how many. */
  async purgeExpired(before: number): Promise<number> {
    const result = await this.database.db.deleteFrom('authorization_codes').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
