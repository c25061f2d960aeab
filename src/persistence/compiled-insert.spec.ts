import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Compilable } from 'kysely';
import { CompiledInsert } from './compiled-insert';

interface Item {
  id: string;
  label: string | null;
  n: number;
  flag: number;
}

describe('CompiledInsert', () => {
  let db: Kysely<{ items: Item }>;

  beforeEach(async () => {
    db = new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    await sql`create table items (id text primary key, label text default 'unlabelled', n integer not null, flag integer not null default 0)`.execute(db);
  });

  afterEach(async () => {
    await db.destroy();
  });

  /** A CompiledInsert over `items` that counts how often it had to build the query. */
  function counted<O>(finish: (db: Kysely<{ items: Item }>, rows: Partial<Item>[]) => Compilable<O>) {
    const calls = { build: 0 };
    const sut = new CompiledInsert(db, (d, rows: Partial<Item>[]) => {
      calls.build++;
      return finish(d, rows);
    });
    return { sut, calls };
  }

  const all = () => db.selectFrom('items').selectAll().orderBy('id').execute();

  it('compiles a shape once and puts every value in its own column on each run', async () => {
    const { sut, calls } = counted((d, rows) => d.insertInto('items').values(rows as Item[]).returning(['id', 'n']));
    expect(await sut.execute(db, [{ id: 'a', label: 'A', n: 1, flag: 0 }])).toEqual([{ id: 'a', n: 1 }]);
    expect(await sut.execute(db, [{ id: 'b', label: null, n: 2, flag: 1 }])).toEqual([{ id: 'b', n: 2 }]);
    // Same columns in another order: another shape, still each value in its column.
    await sut.execute(db, [{ n: 3, flag: 1, label: 'C', id: 'c' }]);
    await sut.execute(db, [
      { id: 'd', label: 'D', n: 4, flag: 0 },
      { id: 'e', label: 'E', n: 5, flag: 1 },
    ]);
    expect(await all()).toEqual([
      { id: 'a', label: 'A', n: 1, flag: 0 },
      { id: 'b', label: null, n: 2, flag: 1 },
      { id: 'c', label: 'C', n: 3, flag: 1 },
      { id: 'd', label: 'D', n: 4, flag: 0 },
      { id: 'e', label: 'E', n: 5, flag: 1 },
    ]);
    expect(calls.build).toBe(3); // one row; one row, other order; two rows
  });

  it('runs inside the transaction it is given', async () => {
    const { sut } = counted((d, rows) => d.insertInto('items').values(rows as Item[]));
    await expect(
      db.transaction().execute(async (trx) => {
        await sut.execute(trx, [{ id: 'a', label: 'A', n: 1, flag: 0 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await all()).toEqual([]);
  });

  it('leaves an undefined value to Kysely, which writes the column default', async () => {
    const { sut, calls } = counted((d, rows) => d.insertInto('items').values(rows as Item[]));
    await sut.execute(db, [{ id: 'a', label: undefined, n: 1, flag: 1 }]);
    await sut.execute(db, [{ id: 'b', label: undefined, n: 2, flag: 1 }]);
    expect(await all()).toEqual([
      { id: 'a', label: 'unlabelled', n: 1, flag: 1 },
      { id: 'b', label: 'unlabelled', n: 2, flag: 1 },
    ]);
    expect(calls.build).toBe(2);
  });

  it('builds each time when the query has parameters of its own', async () => {
    const { sut, calls } = counted((d, rows) =>
      d
        .insertInto('items')
        .values(rows as Item[])
        .onConflict((oc) => oc.column('id').doUpdateSet({ label: 'again' })),
    );
    await sut.execute(db, [{ id: 'a', label: 'A', n: 1, flag: 0 }]);
    await sut.execute(db, [{ id: 'a', label: 'A', n: 1, flag: 0 }]);
    expect(await all()).toEqual([{ id: 'a', label: 'again', n: 1, flag: 0 }]);
    expect(calls.build).toBe(3); // the probe, then every run
  });

  it('builds large inserts each time', async () => {
    const { sut, calls } = counted((d, rows) => d.insertInto('items').values(rows as Item[]));
    const rows = (prefix: string) => Array.from({ length: 5 }, (_, i) => ({ id: `${prefix}${i}`, label: null, n: i, flag: 0 }));
    await sut.execute(db, rows('a'));
    await sut.execute(db, rows('b'));
    expect(await all()).toHaveLength(10);
    expect(calls.build).toBe(2);
  });
});
