import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DatabaseService } from '../persistence/database.service';
import type { ApiKeyTable } from './api-keys.tables';
import './api-keys.tables';

/** A stored API key as the service sees it. Never leaves the service with `keyHash`. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export interface NewApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  createdAt: Date;
  createdBy: string;
  /** only for first-start keys: the slot whose unique index decides a start-up race */
  firstStartSeq?: number;
}

/** What first start needs to decide, read in one statement so it is one consistent snapshot. */
export interface FirstStartState {
  activeKeys: number;
  lastFirstStartSeq: number;
}

/** The `api_keys` table; nothing here decides anything. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly database: DatabaseService) {}

  async insert(key: NewApiKeyRecord): Promise<void> {
    await this.database.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        key_hash: key.keyHash,
        scopes: JSON.stringify(key.scopes),
        created_at: key.createdAt.getTime(),
        created_by: key.createdBy,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
        first_start_seq: key.firstStartSeq ?? null,
      })
      .execute();
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every key, oldest first (revoked ones too: the list is also the audit trail). */
  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.database.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** Sets `last_used_at` unless it is already at or after `notBefore`; true when it wrote. */
  async touch(id: string, at: Date, notBefore: Date): Promise<boolean> {
    const result = await this.database.db
      .updateTable('api_keys')
      .set({ last_used_at: at.getTime() })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore.getTime())]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes a key that is not yet revoked; false when there was nothing to change. */
  async revoke(id: string, at: Date, by: string): Promise<boolean> {
    const result = await this.database.db
      .updateTable('api_keys')
      .set({ revoked_at: at.getTime(), revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async firstStartState(): Promise<FirstStartState> {
    const row = await this.database.db
      .selectFrom('api_keys')
      .select((eb) => [
        eb.fn.countAll<number | string>().filterWhere('revoked_at', 'is', null).as('active'),
        eb.fn.max<number | string | null>('first_start_seq').as('last_seq'),
      ])
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as int8 text-parsed to number, max(integer) as number; SQLite
    // numbers. Number() covers both.
    return { activeKeys: Number(row.active), lastFirstStartSeq: Number(row.last_seq ?? 0) };
  }
}

function toRecord(row: Selectable<ApiKeyTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    scopes: parseScopes(row.scopes),
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)),
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
    revokedBy: row.revoked_by,
  };
}

/** A row whose scopes do not parse grants nothing, rather than failing every request. */
function parseScopes(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}
