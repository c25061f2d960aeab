import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePreparedStatements, DatabaseService, SQLITE_WAL_AUTOCHECKPOINT_PAGES } from './database.service';

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
  it('writes ahead with synchronous=NORMAL and checkpoints every SQLITE_WAL_AUTOCHECKPOINT_PAGES pages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-db-'));
    const sut = new DatabaseService({ url: join(dir, 'test.sqlite') });
    try {
      const pragma = async (name: string) => (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(sut.db)).rows[0][name];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('wal_autocheckpoint')).toBe(SQLITE_WAL_AUTOCHECKPOINT_PAGES);
      expect(SQLITE_WAL_AUTOCHECKPOINT_PAGES).toBeGreaterThan(1000);
    } finally {
      await sut.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
