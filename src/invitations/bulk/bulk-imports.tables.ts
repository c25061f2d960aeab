import type { Insertable, Selectable } from 'kysely';

export type BulkImportState = 'running' | 'completed';
export type BulkRowStatus = 'created' | 'duplicate' | 'invalid';

/**
 * One bulk import (migration `0040_idempotency_keys`): who ran it, under which
 * `Idempotency-Key`, what the request was, and how far it got. Timestamps are epoch ms.
 */
export interface BulkImportsTable {
  id: string;
  /** The API key id (or `cli:<user>`) that ran it; idempotency keys are scoped to it. */
  actor: string;
  idempotency_key: string | null;
  /** What a replay must repeat exactly; compared field by field so a mismatch can be named. */
  request_format: string;
  request_relying_party: string | null;
  /** 1 or 0 */
  request_send: number;
  /** SHA-256 (hex) of the body bytes. */
  body_sha256: string;
  state: BulkImportState;
  /** Fences the instance that runs the import: a batch commits only while it still holds this token. */
  lease_token: string;
  lease_until: number;
  total_rows: number;
  processed_rows: number;
  created_count: number;
  duplicate_count: number;
  invalid_count: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** The outcome of each row, written in the same transaction as the row's invitation. */
export interface BulkImportRowsTable {
  import_id: string;
  row_no: number;
  status: BulkRowStatus;
  /** created: the new invitation; duplicate: the existing one, when known. */
  invitation_id: string | null;
  field: string | null;
  reason: string | null;
}

export type BulkImportRow = Selectable<BulkImportsTable>;
export type NewBulkImportRow = Insertable<BulkImportsTable>;
export type BulkImportRowResult = Selectable<BulkImportRowsTable>;

declare module '../../persistence/database' {
  interface Database {
    bulk_imports: BulkImportsTable;
    bulk_import_rows: BulkImportRowsTable;
  }
}
