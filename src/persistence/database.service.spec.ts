import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cachePreparedStatements,
  DatabaseService,
  SQLITE_WAL_AUTOCHECKPOINT_PAGES,
  SQLITE_WAL_BACKSTOP_PAGES,
} from './database.service';

describe('cachePreparedStatements', () => {
  it('reuses one statement per SQL text and still answers correctly', () => {
    const sut = new BetterSqlite3(':memory:');
    cachePreparedStatements(sut, 2);
    sut.prepare('create table t (v integer)').run();
    const insert = sut.prepare('insert into t (v) values (?)');
    expect(sut.prepare('insert into t (v) values (?)')).toBe(insert);
    insert.run(1);
    sut.prepare('insert into t (v) values (?)').run(2);
    expect(sut.prepare('select sum(v) as s from t').get()).toEqual({ s: 3 });
    sut.close();
  });

  it('evicts the least recently used statement past its bound', () => {
    const sut = new BetterSqlite3(':memory:');
    cachePreparedStatements(sut, 2);
    const a = sut.prepare('select 1');
    sut.prepare('select 2');
    expect(sut.prepare('select 1')).toBe(a); // a is now the most recent
    sut.prepare('select 3'); // evicts "select 2"
    expect(sut.prepare('select 1')).toBe(a);
    const b2 = sut.prepare('select 2');
    expect(sut.prepare('select 2')).toBe(b2);
    sut.close();
  });

  it('sees a column added after the statement was first prepared', () => {
    const sut = new BetterSqlite3(':memory:');
    cachePreparedStatements(sut);
    sut.prepare('create table t (a integer)').run();
    sut.prepare('insert into t (a) values (1)').run();
    expect(sut.prepare('select * from t').get()).toEqual({ a: 1 });
    sut.prepare('alter table t add column b integer default 7').run();
    expect(sut.prepare('select * from t').get()).toEqual({ a: 1, b: 7 });
    sut.close();
  });
});

describe('DatabaseService on SQLite', () => {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-db-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pragma = async (sut: DatabaseService, name: string) =>
    (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(sut.db)).rows[0][name];

  it('writes ahead with synchronous=NORMAL, journals savepoints in memory and leaves checkpoints to a worker, with a backstop', async () => {
    const sut = new DatabaseService({ url: join(dir, 'test.sqlite') });
    try {
      expect(await pragma(sut, 'journal_mode')).toBe('wal');
      expect(await pragma(sut, 'synchronous')).toBe(1); // NORMAL
      expect(await pragma(sut, 'foreign_keys')).toBe(1);
      expect(await pragma(sut, 'temp_store')).toBe(2); // MEMORY: group commit's savepoint journals never spill to a file
      expect(sut.sqliteCheckpointer?.running).toBe(true);
      expect(await pragma(sut, 'wal_autocheckpoint')).toBe(SQLITE_WAL_BACKSTOP_PAGES);
      expect(SQLITE_WAL_BACKSTOP_PAGES).toBeGreaterThan(SQLITE_WAL_AUTOCHECKPOINT_PAGES);
      expect(SQLITE_WAL_AUTOCHECKPOINT_PAGES).toBeGreaterThan(1000);
    } finally {
      await sut.db.destroy();
    }
  });

  it('stops the checkpointer on destroy, before the connection that then removes the WAL', async () => {
    const file = join(dir, 'test.sqlite');
    const sut = new DatabaseService({ url: file });
    await sut.migrate();
    const checkpointer = sut.sqliteCheckpointer!;
    await checkpointer.ready;
    expect(existsSync(`${file}-wal`)).toBe(true);
    await sut.onApplicationShutdown();
    expect(checkpointer.running).toBe(false);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('starts no checkpointer for an in-memory database', async () => {
    const sut = new DatabaseService({ url: ':memory:' });
    try {
      await sut.ping();
      expect(sut.sqliteCheckpointer).toBeUndefined();
    } finally {
      await sut.db.destroy();
    }
  });
});
