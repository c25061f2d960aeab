import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { loadConfig, type LoadedConfig } from '../../src/config/config.loader';
import type { Dialect } from '../../src/persistence/database';
import { createTestDatabase, type TestDatabase } from './database';

export const TEST_ADMIN_KEY = 'tsk_test_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestApp {
  app: INestApplication;
  /** base URL of the listening server, `http://127.0.0.1:<port>` */
  url: string;
  loaded: LoadedConfig;
  database: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  /** structured settings, as the YAML file would give them */
  overrides?: Record<string, unknown>;
  /** reuse an existing database (a second instance of the same deployment) */
  database?: TestDatabase;
  /** runs after the app is built and before it listens */
  beforeListen?: (app: INestApplication) => void | Promise<void>;
  /** listen on this port (a test that must name the URL in `env` before the app starts) */
  port?: number;
  /** false: every request takes the Express path (see src/http/api-fast-path.ts) */
  apiFastPath?: boolean;
}

/**
 * A real Tessera on a loopback port with its own data folder and database. PUBLIC_URL is the
 * address it really listens on, so discovery and JWKS URLs work over HTTP in tests.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-app-'));
  const database = options.database ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  // Reserve the port first so PUBLIC_URL can name it before the app is built.
  const port = options.port ?? (await freePort());
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    TESSERA_ADMIN_API_KEY: TEST_ADMIN_KEY,
    KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const loaded = loadConfig({ env, overrides: options.overrides, cwd: dataDir });
  const app = await createApp(loaded, { quiet: true, apiFastPath: options.apiFastPath });
  await options.beforeListen?.(app);
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    loaded,
    database,
    dataDir,
    close: async () => {
      await app.close();
      if (!options.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
