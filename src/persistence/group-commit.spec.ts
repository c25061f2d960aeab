import { sql } from 'kysely';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../test/utils/database';
import type { Db } from './database';
import { GroupCommit } from './group-commit';

describeEachDialect('GroupCommit', (dialect) => {
  let database: TestDatabase;
  let sut: GroupCommit;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    sut = new GroupCommit(database.service);
  });
  afterEach(async () => {
    await database.close();
  });

  const insert = (trx: Db, name: string) => trx.insertInto('invitation_secrets').values({ name, value: 'v', created_at: 1 }).execute();
  const names = async () => (await database.service.db.selectFrom('invitation_secrets').select('name').orderBy('name').execute()).map((r) => r.name);

  /** A unit that holds its transaction open until released: the others queue up behind it. */
  function blocker(name: string) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const done = sut.run(async (trx) => {
      await insert(trx, name);
      started();
      await released;
      return name;
    });
    return { done, running, release };
  }

  it('commits every unit and answers each with its own value', async () => {
    const values = await Promise.all(['a', 'b', 'c'].map((name) => sut.run(async (trx) => (await insert(trx, name), name.toUpperCase()))));
    expect(values).toEqual(['A', 'B', 'C']);
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('rolls back a failing unit alone: the others of its batch are written, it is rejected with its own error', async () => {
    const first = blocker('first');
    await first.running;
    const ok1 = sut.run((trx) => insert(trx, 'ok-1'));
    const failing = sut.run(async (trx) => {
      await insert(trx, 'failed');
      throw new Error('this unit fails after writing');
    });
    const ok2 = sut.run((trx) => insert(trx, 'ok-2'));
    first.release();
    await expect(first.done).resolves.toBe('first');
    await expect(failing).rejects.toThrow('this unit fails after writing');
    await Promise.all([ok1, ok2]);
    expect(await names()).toEqual(['first', 'ok-1', 'ok-2']);
  });

  if (dialect === 'sqlite') {
    it('a unit whose transaction is broken takes its whole batch with it, and writes nothing of it', async () => {
      const first = blocker('first');
      await first.running;
      const bystander = sut.run((trx) => insert(trx, 'bystander'));
      // Ends the surrounding transaction behind the batch's back: its savepoints and commit fail.
      const breaker = sut.run(async (trx) => {
        await sql`ROLLBACK`.execute(trx);
      });
      first.release();
      await first.done;
      await expect(bystander).rejects.toBeDefined();
      await expect(breaker).rejects.toBeDefined();
      expect(await names()).toEqual(['first']);
      // And the next unit finds the connection usable again.
      await sut.run((trx) => insert(trx, 'after'));
      expect(await names()).toEqual(['after', 'first']);
    });

    it('runs the units queued in one turn of the event loop in one transaction', async () => {
      // As requests completing in the same poll phase queue theirs: better-sqlite3 is synchronous,
      // so without the wait for the turn to end the first unit would commit alone.
      await Promise.all(['t1', 't2', 't3'].map((name) => sut.run((trx) => insert(trx, name))));
      expect(sut.transactions).toBe(1);
      await sut.run((trx) => insert(trx, 'alone'));
      expect(sut.transactions).toBe(2);
      expect(await names()).toEqual(['alone', 't1', 't2', 't3']);
    });

    it('runs the units that arrive during a commit in one transaction', async () => {
      const first = blocker('first');
      await first.running;
      const queued = ['q1', 'q2', 'q3', 'q4'].map((name) => sut.run((trx) => insert(trx, name)));
      first.release();
      await Promise.all([first.done, ...queued]);
      expect(sut.transactions).toBe(2);
      expect(await names()).toEqual(['first', 'q1', 'q2', 'q3', 'q4']);
    });
  } else {
    it('gives every unit a transaction of its own on PostgreSQL, which commits in parallel', async () => {
      await Promise.all(['p1', 'p2', 'p3'].map((name) => sut.run((trx) => insert(trx, name))));
      expect(sut.transactions).toBe(0);
      expect(await names()).toEqual(['p1', 'p2', 'p3']);
    });
  }
});
