import type { Generated } from 'kysely';

/** One admin API key. The plaintext key is never stored; `key_hash` is its SHA-256. */
export interface ApiKeyTable {
  id: string;
  name: string;
  /** non-secret start of the key, for listings (`tsk_<id>_abcd`) */
  prefix: string;
  /** hex SHA-256 of the whole key (see api-key-format.ts for why SHA-256) */
  key_hash: string;
  /** JSON array of scope names, or `["*"]` */
  scopes: string;
  created_at: number;
  /** who created it: an API key id, `env`, `cli` or `first-start` */
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  /**
   * Set only on keys generated at first start, 1, 2, … Its unique index lets exactly one of
   * several instances starting together win the insert (and print the key).
   */
  first_start_seq: Generated<number | null>;
}

declare module '../persistence/database' {
  interface Database {
    api_keys: ApiKeyTable;
  }
}
