import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../persistence/database.service';
import type { JourneySessionRow, JourneySessionStatus, NewJourneySessionRow } from './journey-sessions.tables';

/** Reads and writes of `journey_sessions`. Every update is conditional on the version read. */
@Injectable()
export class JourneySessionsRepository {
  constructor(private readonly database: DatabaseService) {}

  async insert(row: NewJourneySessionRow): Promise<void> {
    await this.database.db.insertInto('journey_sessions').values(row).execute();
  }

  /** The session, unless it has expired (an expired row is as good as gone). */
  find(id: string, nowMs: number): Promise<JourneySessionRow | undefined> {
    return this.database.db.selectFrom('journey_sessions').selectAll().where('id', '=', id).where('expires_at', '>', nowMs).executeTakeFirst();
  }

  /**
   * Writes a new state if nobody else wrote since `version` was read; false when someone did
   * (a second tab, a double submit, another instance): the caller lost and must re-read.
   */
  async update(id: string, version: number, change: { state: string; status: JourneySessionStatus }, nowMs: number): Promise<boolean> {
    const result = await this.database.db
      .updateTable('journey_sessions')
      .set({ state: change.state, status: change.status, version: version + 1, updated_at: nowMs })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes up to `limit` expired sessions; returns how many. */
  async purgeExpired(nowMs: number, limit = 500): Promise<number> {
    const ids = this.database.db.selectFrom('journey_sessions').select('id').where('expires_at', '<=', nowMs).limit(limit);
    const result = await this.database.db.deleteFrom('journey_sessions').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
