import type { Kysely } from 'kysely';
import type { Dialect } from './database';

/**
 * A migration registered in code (no files scanned at run time). Names sort in apply order,
 * so they start with a four-digit sequence number: `0001_signing_keys`.
 */
export interface TesseraMigration {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}
