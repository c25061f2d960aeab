import type { Kysely } from 'kysely';

/**
 * The database schema as Kysely sees it. Each feature adds its own tables by declaration
 * merging, next to its migration, e.g. in `src/keys/keys.tables.ts`:
 *
 *   declare module '../persistence/database' {
 *     interface Database { signing_keys: SigningKeyTable }
 *   }
 *
 * Portable column conventions (SQLite and PostgreSQL): timestamps are `bigint` epoch
 * milliseconds (PostgreSQL int8 is parsed back to a JS number), booleans are integer 0/1,
 * JSON is `text`, binary data is base64 `text`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database {}

export type Dialect = 'sqlite' | 'postgres';

export type Db = Kysely<Database>;
