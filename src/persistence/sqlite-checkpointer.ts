import type BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What the checkpointer has done so far; read from shared memory, so reading costs nothing. */
export interface SqliteCheckpointerCounters {
  /** `wal_checkpoint(PASSIVE)` calls the worker made */
  passes: number;
  /** passes after which more of the WAL was in the database file than before */
  checkpoints: number;
  /**
   * WAL frames found newly copied into the database file after a pass: a lower bound when the
   * WAL restarted between two passes, and including the few frames the main connection's
   * backstop copied in between. A frame is one page write; a checkpoint copies only the newest
   * frame of each page, so this counts frames, not pages written.
   */
  frames: number;
  /** passes that found another connection checkpointing and did nothing */
  busy: number;
  /** frames in the WAL at the last pass (it starts again from 0 after a complete checkpoint) */
  walFrames: number;
  /** how many of those were in the database file after the last pass */
  walBackfilled: number;
}

export interface SqliteCheckpointerOptions {
  /** the main connection, already in WAL mode: its `wal_autocheckpoint` is the backstop */
  connection: BetterSqlite3.Database;
  /** the database file the main connection opened */
  file: string;
  /** the main connection's `wal_autocheckpoint` while the worker runs */
  backstopPages: number;
  /** the main connection's `wal_autocheckpoint` once the worker has failed */
  fallbackPages: number;
  /** pause between passes while there are frames to copy (default 10 ms) */
  intervalMs?: number;
  /** the pause doubles up to this while there is nothing to copy (default 50 ms) */
  idleIntervalMs?: number;
  /** where the worker loads better-sqlite3 from (tests hand it one that fails) */
  driverPath?: string;
  warn: (message: string) => void;
}

const COUNTERS = ['passes', 'checkpoints', 'frames', 'busy', 'walFrames', 'walBackfilled'] as const;

/**
 * The worker: plain JavaScript evaluated as a CommonJS script, so it needs no TypeScript
 * compilation when it starts (under Jest included), and it loads better-sqlite3 from the path
 * the main thread resolved rather than relative to the working directory.
 *
 * After each pass that copied frames it also flushes the database file through a descriptor of
 * its own. SQLite syncs the database file only at the end of a checkpoint that copied the whole
 * WAL, which a checkpointer trailing a busy writer never does: every page it copied would still
 * be waiting in the page cache for the backstop checkpoint to sync on the main thread (measured:
 * ~9 ms of each 12-20 ms backstop pause). Extra syncs never weaken what SQLite guarantees.
 *
 * Passes follow each other 1 ms apart once the WAL is three quarters of the way to the backstop,
 * so that when the main connection's backstop runs, only the frames of the last pass or so are
 * left for it to copy and sync.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { fdatasyncSync } = require('node:fs');
const { file, driverPath, counters: buffer, intervalMs, idleIntervalMs, backstopPages } = workerData;
const counters = new BigInt64Array(buffer);
const [PASSES, CHECKPOINTS, FRAMES, BUSY, WAL_FRAMES, WAL_BACKFILLED] = [0, 1, 2, 3, 4, 5];
const Database = require(driverPath);
const db = new Database(file, { fileMustExist: true });
// A checkpoint's own syncs (the WAL before copying, the database after a complete copy) follow
// the checkpointing connection's setting: NORMAL makes them, as the main connection would.
db.pragma('synchronous = NORMAL');
// Waits (on this thread) for a lock only while opening; PASSIVE checkpoints never wait.
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
let fd;
let backfilled = 0;
let walFrames = 0;
let delay = intervalMs;
let timer;

/** One PASSIVE checkpoint; true when there was, or still is, something to copy. */
function pass() {
  let result;
  try {
    result = checkpoint.get();
  } catch (error) {
    // Another connection recovering the WAL, say: try again next time. Anything else is a
    // failure the main thread must hear about.
    if (error.code !== 'SQLITE_BUSY') throw error;
    result = { busy: 1 };
  }
  const { busy, log, checkpointed } = result;
  Atomics.add(counters, PASSES, 1n);
  if (busy) {
    Atomics.add(counters, BUSY, 1n);
    return true;
  }
  Atomics.store(counters, WAL_FRAMES, BigInt(log));
  Atomics.store(counters, WAL_BACKFILLED, BigInt(checkpointed));
  const restarted = log < walFrames || checkpointed < backfilled;
  const gained = restarted ? checkpointed : checkpointed - backfilled;
  backfilled = checkpointed;
  walFrames = log;
  if (gained > 0) {
    if (fd !== undefined) fdatasyncSync(fd);
    Atomics.add(counters, CHECKPOINTS, 1n);
    Atomics.add(counters, FRAMES, BigInt(gained));
  }
  return gained > 0 || checkpointed < log;
}

function loop() {
  if (!pass()) delay = Math.min(delay * 2, idleIntervalMs);
  else delay = walFrames >= backstopPages * 0.75 ? 1 : intervalMs;
  timer = setTimeout(loop, delay);
}

parentPort.on('message', (message) => {
  if (message.type === 'sync') {
    fd = message.fd;
  } else if (message.type === 'pass') {
    pass();
    parentPort.postMessage({ type: 'passed', id: message.id });
  } else if (message.type === 'stop') {
    clearTimeout(timer);
    db.close();
    parentPort.close();
  }
});
loop();
parentPort.postMessage({ type: 'ready' });
`;

/**
 * Runs SQLite's WAL checkpoints on a worker thread, with a connection of its own to the same
 * file, so that copying the WAL into the database file, and the fsyncs that go with it, no
 * longer happen inside a commit on the main thread, pausing every request.
 *
 * Why the main connection keeps a backstop checkpoint: a checkpoint copies WAL frames into the
 * database file, but the WAL only starts again from its beginning when a writer begins a
 * transaction after the whole WAL has been copied and synced
 * (https://sqlite.org/wal.html#ckpt, https://sqlite.org/wal.html#bigwal). A PASSIVE checkpoint
 * never waits for the writer (https://sqlite.org/pragma.html#pragma_wal_checkpoint), so under
 * sustained writes the worker trails a few milliseconds behind, the WAL is never all copied
 * when the next transaction begins, and it would grow for as long as the writes last. The
 * other modes wait for the writer by holding its lock through the copy and the fsyncs: the main
 * thread would sleep in its busy handler instead of working, which is no better. So the main
 * connection keeps its `wal_autocheckpoint`: after the commit that takes the WAL past
 * `backstopPages` it checkpoints by itself, finds all but about one pass's worth of frames
 * already copied and synced, copies the rest, and its next write starts the WAL again. Under
 * sustained writes the WAL file stays near `backstopPages`; whenever writes pause (most of the
 * time) the worker completes the checkpoint by itself and the WAL restarts far below it.
 *
 * The worker never keeps the process alive. If it fails, the main connection goes back to
 * checkpointing by itself every `fallbackPages`, with one warning; the application carries on.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly counterView: BigInt64Array;
  private readonly exited: Promise<void>;
  private readonly waiting = new Map<number, () => void>();
  private nextId = 0;
  private fd?: number;
  private stopping = false;
  private failed = false;
  private gone = false;
  /** resolves once the worker has opened its connection and made its first pass, or has gone */
  readonly ready: Promise<void>;

  constructor(private readonly options: SqliteCheckpointerOptions) {
    const counters = new SharedArrayBuffer(COUNTERS.length * BigInt64Array.BYTES_PER_ELEMENT);
    this.counterView = new BigInt64Array(counters);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: resolve(options.file),
        driverPath: options.driverPath ?? require.resolve('better-sqlite3'),
        counters,
        intervalMs: options.intervalMs ?? 10,
        idleIntervalMs: options.idleIntervalMs ?? 50,
        backstopPages: options.backstopPages,
      },
    });
    // Opened once the worker exists, since it may only be closed after the main connection.
    // Writable because some platforms only sync a descriptor that may write; nothing is written
    // through it. Without it the worker still checkpoints; the backstop just has more to sync.
    try {
      this.fd = openSync(options.file, 'r+');
      this.worker.postMessage({ type: 'sync', fd: this.fd });
    } catch {
      this.fd = undefined;
    }
    options.connection.pragma(`wal_autocheckpoint = ${options.backstopPages}`);
    let onReady!: () => void;
    this.ready = new Promise((done) => (onReady = done));
    this.worker.on('message', (message: { type: string; id?: number }) => {
      if (message.type === 'ready') onReady();
      if (message.type === 'passed') this.wake(message.id!);
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.exited = new Promise((done) =>
      this.worker.once('exit', (code) => {
        this.gone = true;
        if (!this.stopping) this.fail(`the worker exited with code ${code}`);
        for (const id of [...this.waiting.keys()]) this.wake(id);
        onReady();
        done();
      }),
    );
    // Last: adding a 'message' listener references the worker's port again.
    this.worker.unref();
  }

  /** True while the worker thread is alive and has not been asked to stop. */
  get running(): boolean {
    return !this.gone && !this.stopping;
  }

  counters(): SqliteCheckpointerCounters {
    return Object.fromEntries(COUNTERS.map((name, i) => [name, Number(Atomics.load(this.counterView, i))])) as never;
  }

  /** Asks the worker for a pass now; resolves once it is done (or the worker is gone). */
  checkpointNow(): Promise<void> {
    if (!this.running) return Promise.resolve();
    const id = this.nextId++;
    this.worker.ref(); // whoever waits for the answer keeps the process up until it comes
    return new Promise((done) => {
      this.waiting.set(id, done);
      this.worker.postMessage({ type: 'pass', id });
    });
  }

  /**
   * Stops the worker and closes its connection; resolves once the thread has exited. Called
   * before the main connection closes, so that the main connection, closing last, still makes
   * the final checkpoint and removes the WAL, as it did without a worker.
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      // Referenced again while stopping: the exit of an unreferenced worker would not keep a
      // process that is shutting down waiting for it.
      this.worker.ref();
      this.worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void this.worker.terminate(), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  /**
   * Closes the worker's descriptor of the database file. Only after the main connection has
   * closed: POSIX record locks belong to the process, and closing any descriptor of a file
   * drops them all, including the shared lock SQLite holds on the database file to tell other
   * processes it is still in use (https://sqlite.org/howtocorrupt.html, "Posix advisory locks
   * canceled by a separate thread doing close()").
   */
  release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private wake(id: number): void {
    this.waiting.get(id)?.();
    this.waiting.delete(id);
    if (this.waiting.size === 0 && !this.stopping) this.worker.unref();
  }

  private fail(reason: string): void {
    if (this.failed || this.stopping) return;
    this.failed = true;
    const { connection, fallbackPages } = this.options;
    try {
      if (connection.open) connection.pragma(`wal_autocheckpoint = ${fallbackPages}`);
    } catch {
      // Left at the backstop, which bounds the WAL too; an event handler must not throw.
    }
    this.options.warn(
      `background WAL checkpointer stopped (${reason}); the main connection checkpoints every ${fallbackPages} pages instead`,
    );
  }
}
