import type { Insertable, Selectable } from 'kysely';

/**
 * Local accounts (migration `0071_local_accounts`): the stand-in for B2C's directory. Timestamps
 * are epoch milliseconds.
 */
export interface LocalAccountsTable {
  /** B2C `objectId`: a random UUID, the `sub` of tokens issued for the account */
  object_id: string;
  /** the sign-in email address, normalized (`normalizeEmail`); unique */
  email: string;
  /** PHC-style scrypt string (`password-hasher.ts`); null for an account without a password */
  password_hash: string | null;
  /** JSON object of the other persisted attributes, by their partner claim names (`displayName`, …) */
  attributes: string;
  created_at: number;
  updated_at: number;
}

declare module '../../persistence/database' {
  interface Database {
    local_accounts: LocalAccountsTable;
  }
}

export type LocalAccountRow = Selectable<LocalAccountsTable>;
export type NewLocalAccountRow = Insertable<LocalAccountsTable>;
