import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type Driver,
  type Migration,
  type SqliteDialectConfig,
} from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import type { Database, Dialect } from './database';
import type { TesseraMigration } from './migration';
import { MIGRATIONS } from './migrations';
import { SqliteCheckpointer } from './sqlite-checkpointer';

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
  private checkpointer?: SqliteCheckpointer;

  constructor(options: DatabaseOptions) {
    this.dialect = /^postgres(ql)?:\/\//i.test(options.url) ? 'postgres' : 'sqlite';
    this.db = new Kysely<Database>({
      dialect:
        this.dialect === 'postgres'
          ? postgresDialect(options)
          : sqliteDialect(options.url, {
              started: (checkpointer) => (this.checkpointer = checkpointer),
              warn: (message) => this.logger.warn(message),
            }),
    });
  }

  /**
   * The background WAL checkpointer of a SQLite file database, once its connection is open;
   * undefined for PostgreSQL and `:memory:`.
   */
  get sqliteCheckpointer(): SqliteCheckpointer | undefined {
    return this.checkpointer;
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
 * WAL pages between the main connection's own automatic checkpoints when it checkpoints alone,
 * i.e. once the background checkpointer has failed (SQLite's default is 1000). With
 * synchronous=NORMAL the only fsyncs are a checkpoint's (the WAL before it, the database after
 * it; https://sqlite.org/pragma.html#pragma_synchronous), and creating an invitation writes
 * about 26 pages, so the default checkpointed every ~40 creates and those syncs were the largest
 * single cost of a create on disk. Fewer checkpoints trade a larger WAL for readers to search
 * for faster writes (https://sqlite.org/wal.html#performance_considerations); 4000 pages is a
 * 16 MB WAL and a checkpoint pause of tens of milliseconds on a local disk.
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 4000;

/**
 * WAL pages at which the main connection checkpoints by itself while the background
 * checkpointer runs (see `SqliteCheckpointer` for why it must). Only sustained writes take the
 * WAL this far, and then the backstop finds all but the last few milliseconds of frames copied
 * and synced already: its pause no longer grows with this number, only how often it comes.
 * Readers only search the frames not yet copied (https://sqlite.org/wal.html#ckpt), so a
 * larger, mostly copied WAL costs reads little. Measured in-process, creates under sustained
 * load took 3-6% less time at 8000 pages than at 4000, and 1-4% less again at 16000: 8000
 * pages (a 32 MB WAL) keeps most of that.
 *
 * Durability is what synchronous=NORMAL gives: on power loss, commits since the last sync of the
 * WAL may roll back. The checkpointer syncs the WAL whenever it copies, within ~10-50 ms of a
 * commit; without it that span was up to a checkpoint interval (~150 creates under full load)
 * or, at low write rates, the kernel's writeback.
 */
export const SQLITE_WAL_BACKSTOP_PAGES = 8000;

interface CheckpointerHooks {
  started: (checkpointer: SqliteCheckpointer) => void;
  warn: (message: string) => void;
}

function sqliteDialect(url: string, hooks: CheckpointerHooks): SqliteDialect {
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let checkpointer: SqliteCheckpointer | undefined;
  return new CheckpointedSqliteDialect(
    {
      database: async () => {
        const db = new BetterSqlite3(file);
        // WAL lets the CLI read while the server writes; busy_timeout waits out a writer instead of
        // failing at once; foreign keys are off by default in SQLite. synchronous=NORMAL is what
        // SQLite recommends with WAL (https://sqlite.org/pragma.html#pragma_synchronous): no
        // corruption on power loss, and no fsync per commit; the last commits before a power cut
        // (not a process crash) may be lost. Deployments that cannot accept that use PostgreSQL.
        const [{ journal_mode: mode }] = db.pragma('journal_mode = WAL') as [{ journal_mode: string }];
        db.pragma('synchronous = NORMAL');
        db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
        // Group commit runs each unit in a SAVEPOINT, and SQLite keeps the original of every page
        // a savepoint changes in a sub-journal, which spills to a temporary file past 64 KiB
        // (https://sqlite.org/tempfiles.html, "Statement Journals"). A batch of a few invitations
        // passes that, and the spilled journal's writes were 2.6× the WAL's: ~40 pwrite calls per
        // invitation, most of the main thread's system time. In memory they are copies; what they
        // hold is bounded by the pages one transaction changes.
        db.pragma('temp_store = MEMORY');
        // Every file database gets a checkpointer, the CLI's included: an import writes thousands
        // of rows, and a command that writes nothing pays for starting a thread (~40 ms, beside
        // its own start-up). Tessera never opens its database read-only (a read-only connection
        // could not checkpoint anyway); `:memory:` has no WAL to checkpoint.
        if (mode === 'wal') {
          try {
            checkpointer = new SqliteCheckpointer({
              connection: db,
              file,
              backstopPages: SQLITE_WAL_BACKSTOP_PAGES,
              fallbackPages: SQLITE_WAL_AUTOCHECKPOINT_PAGES,
              warn: hooks.warn,
            });
            hooks.started(checkpointer);
          } catch (error) {
            const reason = (error as Error).message;
            hooks.warn(`background WAL checkpointer not started (${reason}); the main connection checkpoints by itself`);
          }
        }
        cachePreparedStatements(db);
        return db;
      },
    },
    () => checkpointer?.stop() ?? Promise.resolve(),
    () => checkpointer?.release(),
  );
}

/**
 * Kysely's SQLite dialect, whose `destroy()` stops the background checkpointer before it closes
 * the connection, and lets go of the checkpointer's file descriptor after.
 */
class CheckpointedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly beforeDestroy: () => Promise<void>,
    private readonly afterDestroy: () => void,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    const { beforeDestroy, afterDestroy } = this;
    return new (class extends SqliteDriver {
      override async destroy(): Promise<void> {
        await beforeDestroy();
        await super.destroy();
        afterDestroy();
      }
    })(this.settings);
  }
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
