import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DatabaseService } from '../persistence/database.service';
import type { SqliteCheckpointerCounters } from '../persistence/sqlite-checkpointer';
import { MetricsService } from './metrics.service';

/**
 * The embedded database's WAL as Prometheus sees it (SQLite only): whether the background
 * checkpointer runs, how much it has copied, and how far the WAL has grown. A checkpointer that
 * is down means checkpoints are back on the request path; a WAL that stays near the backstop
 * means the disk cannot keep up with the writes. Read on scrape from the checkpointer's shared
 * counters, so it costs nothing between scrapes.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly database: DatabaseService,
  ) {}

  onModuleInit(): void {
    if (this.database.dialect !== 'sqlite') return;
    const database = this.database;
    const registers = [this.metrics.registry];
    const read = (): SqliteCheckpointerCounters | undefined => database.sqliteCheckpointer?.counters();
    // Counters that mirror a running total kept elsewhere: set on scrape, as prom-client's
    // `collect` is meant for.
    const mirrored = (name: string, help: string, field: keyof SqliteCheckpointerCounters) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = read()?.[field] ?? 0;
          this.reset();
          this.inc(value);
        },
      });
    new Gauge({
      name: 'tessera_sqlite_checkpointer_up',
      help: '1 while the background WAL checkpointer runs; 0 when checkpoints happen on the request path',
      registers,
      collect() {
        this.set(database.sqliteCheckpointer?.running ? 1 : 0);
      },
    });
    mirrored('tessera_sqlite_checkpoint_passes_total', 'PASSIVE checkpoints the background checkpointer ran', 'passes');
    mirrored('tessera_sqlite_checkpoint_frames_total', 'WAL frames the background checkpointer copied into the database file', 'frames');
    new Gauge({
      name: 'tessera_sqlite_wal_frames',
      help: 'Frames in the WAL at the last checkpoint pass (restarts from 0 after a complete checkpoint)',
      registers,
      collect() {
        this.set(read()?.walFrames ?? 0);
      },
    });
  }
}
