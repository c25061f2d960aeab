import type { Insertable, Selectable } from 'kysely';

export type JourneySessionStatus = 'active' | 'completed' | 'failed';

/**
 * Server-side journey state (migration `0070_journey_sessions`). The browser holds only an
 * opaque cookie; its SHA-256 is the key, so a copy of this table does not let anyone resume a
 * journey. Timestamps are epoch milliseconds.
 */
export interface JourneySessionsTable {
  /** hex SHA-256 of the cookie value */
  id: string;
  policy_id: string;
  correlation_id: string;
  /** JSON of `JourneyState` (never a password: those claims are not persisted) */
  state: string;
  /** bumped by every write; a write that names a stale version loses (optimistic concurrency) */
  version: number;
  status: JourneySessionStatus;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

declare module '../../persistence/database' {
  interface Database {
    journey_sessions: JourneySessionsTable;
  }
}

export type JourneySessionRow = Selectable<JourneySessionsTable>;
export type NewJourneySessionRow = Insertable<JourneySessionsTable>;
