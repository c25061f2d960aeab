import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import type { Database, Dialect } from './database';
import type { TesseraMigration } from './migration';
import { MIGRATIONS } from './migrations';

export interface DatabaseOptions {
  /** `postgres://…` or a SQLite file path (`:memory:` for a throw-away database). */
  url: string;
  /** PostgreSQL only: the schema to use (tests isolate themselves in one each). */
  schema?: string;
  poolSize?: number;
}

/** The database edge: one Kysely instance for either dialect, plus what differs between them. */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;

  constructor(options: DatabaseOptions) {
    this.dialect = /^postgres(ql)?:\/\//i.test(options.url) ? 'postgres' : 'sqlite';
    this.db = new Kysely<Database>({
      dialect: this.dialect === 'postgres' ? postgresDialect(options) : sqliteDialect(options.url),
    });
  }

  /** Applies every registered migration not yet applied; safe to run from several instances. */
  async migrate(migrations: TesseraMigration[] = MIGRATIONS): Promise<void> {
    const dialect = this.dialect;
    // Kysely looks for its bookkeeping tables across every schema unless told which one; pin it
    // to the schema this connection writes to, so another schema's tables (another app, or a
    // parallel test run) are never mistaken for ours.
    const migrationTableSchema =
      dialect === 'postgres'
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(this.db)).rows[0]?.schema
        : undefined;
    const migrator = new Migrator({
      db: this.db,
      migrationTableSchema,
      provider: {
        getMigrations: async () =>
          Object.fromEntries(
            migrations.map((m): [string, Migration] => [m.name, { up: (db) => m.up(db, dialect) }]),
          ),
      },
    });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') this.logger.log(`applied migration ${r.migrationName}`);
      if (r.status === 'Error') this.logger.error(`migration ${r.migrationName} failed`);
    }
    if (error) throw error;
  }

  /** True when `error` is a unique-constraint violation: the loser of a race, not a fault. */
  isUniqueViolation(error: unknown): boolean {
    const e = error as { code?: string } | undefined;
    if (!e?.code) return false;
    // PostgreSQL SQLSTATE 23505; better-sqlite3 error codes.
    return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async ping(): Promise<void> {
    await this.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * WAL pages between automatic checkpoints (SQLite's default is 1000). With synchronous=NORMAL
 * the only fsyncs are a checkpoint's (the WAL before it, the database after it;
 * https://sqlite.org/pragma.html#pragma_synchronous), and creating an invitation writes about
 * 26 pages, so the default checkpointed every ~40 creates and those syncs were the largest
 * single cost of a create on disk. Fewer checkpoints trade a larger WAL for readers to search
 * for faster writes (https://sqlite.org/wal.html#performance_considerations); 4000 pages is a
 * 16 MB WAL and a checkpoint pause of tens of milliseconds on a local disk. Durability is what
 * synchronous=NORMAL already gives: on power loss, commits since the last sync may roll back.
 * Under full load that span grows from ~40 to ~150 creates (about 0.1 s); at low write rates
 * it was, and stays, bounded by the kernel's writeback rather than by checkpoints.
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 4000;

function sqliteDialect(url: string): SqliteDialect {
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return new SqliteDialect({
    database: async () => {
      const db = new BetterSqlite3(file);
      // WAL lets the CLI read while the server writes; busy_timeout waits out a writer instead of
      // failing at once; foreign keys are off by default in SQLite. synchronous=NORMAL is what
      // SQLite recommends with WAL (https://sqlite.org/pragma.html#pragma_synchronous): no
      // corruption on power loss, and no fsync per commit; the last commits before a power cut
      // (not a process crash) may be lost. Deployments that cannot accept that use PostgreSQL.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      cachePreparedStatements(db);
      return db;
    },
  });
}

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running
 * the small statements Tessera issues. Statements are reused per SQL text (bounded, least
 * recently used out). Safe because the one connection runs one statement at a time and Kysely
 * only calls `all`/`run`, never an iterator that would keep a statement busy; SQLite
 * re-prepares a cached statement by itself after a schema change.
 */
export function cachePreparedStatements(db: BetterSqlite3.Database, size = 256): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
    } else {
      statement = prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof db.prepare;
}

function postgresDialect(options: DatabaseOptions): PostgresDialect {
  return new PostgresDialect({
    pool: async () =>
      new pg.Pool({
        connectionString: options.url,
        max: options.poolSize ?? 10,
        ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
        // int8 (OID 20) comes back as a string by default; our int8 columns hold epoch
        // milliseconds and counters, which fit a double exactly.
        types: {
          getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
            oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
        },
      }),
  });
}
