import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DatabaseService } from '../../src/persistence/database.service';
import type { Dialect } from '../../src/persistence/database';

/**
 * A fresh, migrated database of the given dialect: a SQLite file in a temporary folder, or a
 * schema of its own in the PostgreSQL database named by TEST_DATABASE_URL. `close()` removes it.
 */
export interface TestDatabase {
  service: DatabaseService;
  /** the URL a second instance (or the app) would use to reach the same data */
  url: string;
  schema?: string;
  close(): Promise<void>;
}

export const postgresUrl = process.env.TEST_DATABASE_URL;

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-db-'));
    const url = join(dir, 'test.sqlite');
    const service = new DatabaseService({ url });
    await service.migrate();
    return {
      service,
      url,
      close: async () => {
        await service.db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  // The schema travels in the URL (libpq `options`), so an app built from this URL sees it too.
  const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const service = new DatabaseService({ url });
  await service.migrate();
  return {
    service,
    url,
    schema,
    close: async () => {
      await service.db.destroy();
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

/**
 * Runs a suite once per dialect. PostgreSQL runs when TEST_DATABASE_URL is set and is reported
 * as skipped otherwise, with the reason in its name.
 */
export function describeEachDialect(name: string, fn: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => fn('sqlite'));
  if (postgresUrl) {
    describe(`${name} [postgres]`, () => fn('postgres'));
  } else {
    describe.skip(`${name} [postgres] (skipped: TEST_DATABASE_URL is not set)`, () => fn('postgres'));
  }
}
