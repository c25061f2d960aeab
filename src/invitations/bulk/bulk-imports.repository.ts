import { Injectable } from '@nestjs/common';
import type { Db } from '../../persistence/database';
import { DatabaseService } from '../../persistence/database.service';
import type { BulkImportRow, BulkImportRowResult, BulkRowStatus, NewBulkImportRow } from './bulk-imports.tables';

export interface RowOutcome {
  row: number;
  status: BulkRowStatus;
  invitationId?: string;
  field?: string;
  reason?: string;
}

export interface BatchCounts {
  processed: number;
  created: number;
  duplicate: number;
  invalid: number;
}

/** Every query on `bulk_imports` and `bulk_import_rows`. */
@Injectable()
export class BulkImportsRepository {
  constructor(private readonly database: DatabaseService) {}

  get db(): Db {
    return this.database.db;
  }

  /** Inserts the import; false when its (actor, Idempotency-Key) is taken. */
  async insert(row: NewBulkImportRow): Promise<boolean> {
    const inserted = await this.db
      .insertInto('bulk_imports')
      .values(row)
      .onConflict((oc) => oc.columns(['actor', 'idempotency_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async findById(id: string): Promise<BulkImportRow | undefined> {
    return this.db.selectFrom('bulk_imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByKey(actor: string, idempotencyKey: string): Promise<BulkImportRow | undefined> {
    return this.db
      .selectFrom('bulk_imports')
      .selectAll()
      .where('actor', '=', actor)
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
  }

  /**
   * Takes over a running import whose lease ran out (its instance died): conditional on the lease
   * token it had, so of several retries only one wins. Its partial results are dropped; the rows
   * it created are found again as duplicates.
   */
  async takeOver(existing: BulkImportRow, leaseToken: string, leaseUntil: number, nowMs: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('bulk_imports')
        .set({
          lease_token: leaseToken,
          lease_until: leaseUntil,
          processed_rows: 0,
          created_count: 0,
          duplicate_count: 0,
          invalid_count: 0,
          updated_at: nowMs,
        })
        .where('id', '=', existing.id)
        .where('state', '=', 'running')
        .where('lease_token', '=', existing.lease_token)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('bulk_import_rows').where('import_id', '=', existing.id).execute();
      return true;
    });
  }

  /**
   * Writes a batch's row outcomes and progress through the batch's transaction, renewing the
   * lease. False when the lease is no longer ours (the import was taken over): the caller must
   * then roll the batch back.
   */
  async recordBatch(executor: Db, importId: string, leaseToken: string, outcomes: RowOutcome[], counts: BatchCounts, leaseUntil: number, nowMs: number): Promise<boolean> {
    const updated = await executor
      .updateTable('bulk_imports')
      .set((eb) => ({
        processed_rows: eb('processed_rows', '+', counts.processed),
        created_count: eb('created_count', '+', counts.created),
        duplicate_count: eb('duplicate_count', '+', counts.duplicate),
        invalid_count: eb('invalid_count', '+', counts.invalid),
        lease_until: leaseUntil,
        updated_at: nowMs,
      }))
      .where('id', '=', importId)
      .where('state', '=', 'running')
      .where('lease_token', '=', leaseToken)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    if (outcomes.length) {
      await executor
        .insertInto('bulk_import_rows')
        .values(
          outcomes.map((o) => ({
            import_id: importId,
            row_no: o.row,
            status: o.status,
            invitation_id: o.invitationId ?? null,
            field: o.field ?? null,
            reason: o.reason ?? null,
          })),
        )
        .execute();
    }
    return true;
  }

  async complete(importId: string, leaseToken: string, nowMs: number): Promise<BulkImportRow | undefined> {
    return this.db
      .updateTable('bulk_imports')
      .set({ state: 'completed', completed_at: nowMs, updated_at: nowMs })
      .where('id', '=', importId)
      .where('lease_token', '=', leaseToken)
      .returningAll()
      .executeTakeFirst();
  }

  /** Forgets an import that failed, so a retry with its key runs again instead of replaying nothing. */
  async remove(importId: string, leaseToken: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const owned = await trx.selectFrom('bulk_imports').select('id').where('id', '=', importId).where('lease_token', '=', leaseToken).executeTakeFirst();
      if (!owned) return;
      await trx.deleteFrom('bulk_import_rows').where('import_id', '=', importId).execute();
      await trx.deleteFrom('bulk_imports').where('id', '=', importId).execute();
    });
  }

  /**
   * Deletes imports last touched before `beforeMs` with their results: completed ones past the
   * retention window, and running ones abandoned that long ago.
   */
  async purge(beforeMs: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const old = trx.selectFrom('bulk_imports').select('id').where('updated_at', '<', beforeMs);
      await trx.deleteFrom('bulk_import_rows').where('import_id', 'in', old).execute();
      const result = await trx.deleteFrom('bulk_imports').where('updated_at', '<', beforeMs).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** Row outcomes in row order after `afterRow`, `limit` at a time (keyset paging: flat memory). */
  async results(importId: string, afterRow: number, limit: number): Promise<BulkImportRowResult[]> {
    return this.db
      .selectFrom('bulk_import_rows')
      .selectAll()
      .where('import_id', '=', importId)
      .where('row_no', '>', afterRow)
      .orderBy('row_no', 'asc')
      .limit(limit)
      .execute();
  }
}
