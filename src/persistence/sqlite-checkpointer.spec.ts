import BetterSqlite3 from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointer, type SqliteCheckpointerOptions } from './sqlite-checkpointer';

/** Polls `condition` until it holds, failing after `timeoutMs`: a bounded wait, not a sleep. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SqliteCheckpointer', () => {
  let dir: string;
  let file: string;
  let main: BetterSqlite3.Database;
  let sut: SqliteCheckpointer | undefined;
  const warnings: string[] = [];
  let warned: Promise<void>;
  let onWarning: () => void;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-checkpointer-'));
    file = join(dir, 'test.sqlite');
    main = new BetterSqlite3(file);
    main.pragma('journal_mode = WAL');
    main.pragma('synchronous = NORMAL');
    main.exec(`
      create table t (id integer primary key, a text, b text, c text, body blob);
      create index t_a on t (a);
      create index t_b on t (b);
      create index t_c on t (c);
    `);
    warnings.length = 0;
    warned = new Promise((resolve) => (onWarning = resolve));
  });

  afterEach(async () => {
    await sut?.stop();
    if (main.open) main.close();
    sut?.release();
    sut = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function start(options: Partial<SqliteCheckpointerOptions> = {}): SqliteCheckpointer {
    sut = new SqliteCheckpointer({
      connection: main,
      file,
      backstopPages: 1000,
      fallbackPages: 4000,
      warn: (message) => {
        warnings.push(message);
        onWarning();
      },
      ...options,
    });
    return sut;
  }

  /** Small write transactions of about 12 pages each: two rows of a table with three indexes. */
  function write(transactions: number): void {
    const insert = main.prepare('insert into t (a, b, c, body) values (?, ?, ?, randomblob(3000))');
    const transaction = main.transaction(() => {
      for (let i = 0; i < 2; i++) insert.run(randomUUID(), randomUUID(), randomUUID());
    });
    for (let i = 0; i < transactions; i++) transaction();
  }

  const pragma = (name: string) => main.pragma(name, { simple: true });
  const walFileFrames = () => {
    const pageSize = pragma('page_size') as number;
    return (statSync(`${file}-wal`).size - 32) / (pageSize + 24);
  };

  it('copies the WAL into the database file by itself, from its own connection', async () => {
    const checkpointer = start({ backstopPages: 1_000_000 });
    await checkpointer.ready;
    expect(pragma('wal_autocheckpoint')).toBe(1_000_000); // the main connection leaves it alone
    write(200);
    await until(() => checkpointer.counters().frames > 0, 'the worker has copied frames');
    expect(checkpointer.counters().checkpoints).toBeGreaterThan(0);
  });

  it('copies everything written so far when asked for a pass', async () => {
    const checkpointer = start({ backstopPages: 1_000_000, intervalMs: 60_000, idleIntervalMs: 60_000 });
    await checkpointer.ready; // its first pass is behind it, the next one a minute away
    write(100);
    await checkpointer.checkpointNow();
    const { walFrames, walBackfilled } = checkpointer.counters();
    expect(walFrames).toBeGreaterThan(500);
    expect(walBackfilled).toBe(walFrames);
  });

  it('keeps the WAL file near the backstop under sustained writes', async () => {
    const checkpointer = start({ backstopPages: 1000 });
    await checkpointer.ready;
    write(5000); // ~60,000 frames: without the backstop the WAL would hold them all
    expect(walFileFrames()).toBeLessThan(4000);
    expect(checkpointer.counters().frames).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('stops the worker and closes its connection, so the main one closes last and removes the WAL', async () => {
    const checkpointer = start();
    await checkpointer.ready;
    write(50);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    await checkpointer.checkpointNow(); // answered at once, not left waiting on a gone worker
    main.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('falls back to checkpointing on the main connection when the worker cannot start', async () => {
    const driverPath = join(dir, 'broken-driver.js');
    writeFileSync(driverPath, `throw new Error('cannot load the driver');\n`);
    const checkpointer = start({ driverPath });
    await warned;
    await checkpointer.stop(); // the worker has exited by now: both its error and its exit are in
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot load the driver');
    expect(pragma('wal_autocheckpoint')).toBe(4000);
    write(10);
    expect(main.prepare('select count(*) as n from t').get()).toEqual({ n: 20 });
  });

  it('falls back to checkpointing on the main connection when the worker fails while running', async () => {
    // A driver whose checkpoints fail from the third on, as a disk error would make them.
    const driverPath = join(dir, 'failing-driver.js');
    writeFileSync(
      driverPath,
      `const Real = require(${JSON.stringify(require.resolve('better-sqlite3'))});
module.exports = function FailingDatabase(...args) {
  const db = new Real(...args);
  const prepare = db.prepare.bind(db);
  db.prepare = (source) => {
    const statement = prepare(source);
    let calls = 0;
    return {
      get: () => {
        if (++calls > 2) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        return statement.get();
      },
    };
  };
  return db;
};
`,
    );
    const checkpointer = start({ driverPath, intervalMs: 1, idleIntervalMs: 1 });
    await checkpointer.ready;
    await warned;
    await checkpointer.stop();
    expect(checkpointer.counters().passes).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('disk I/O error');
    expect(pragma('wal_autocheckpoint')).toBe(4000);
    write(1000); // ~12,000 frames, checkpointed by the main connection every 4000
    expect(walFileFrames()).toBeLessThan(4000 + 100);
  });
});
