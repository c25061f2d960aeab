import { CommanderError } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { InvalidRequestError, NotFoundError } from '../common/errors';
import { startTestApp } from '../../test/utils/app';
import { createTestDatabase, type TestDatabase } from '../../test/utils/database';
import { buildProgram } from './main';

describe('api-keys commands', () => {
  let dir: string;
  let database: TestDatabase;
  let out: string[];
  let savedEnv: NodeJS.ProcessEnv;
  const spies: jest.SpyInstance[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    database = await createTestDatabase('sqlite');
    writeFileSync(join(dir, 'tessera.yaml'), '');
    savedEnv = process.env;
    // The command reads the same environment as the server; this one points at a scratch install.
    process.env = {
      PATH: savedEnv.PATH,
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      TESSERA_CONFIG: join(dir, 'tessera.yaml'),
      KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
    };
    out = [];
    spies.push(
      jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => out.push(String(chunk)) > 0) as typeof process.stdout.write),
      jest.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write),
    );
  });
  afterEach(async () => {
    for (const spy of spies.splice(0)) spy.mockRestore();
    process.env = savedEnv;
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    out.length = 0;
    await buildProgram().parseAsync(['node', 'tessera', 'api-keys', ...args]);
    return out.join('');
  }

  it('creates a key that the server accepts, lists it without the key, and revokes it', async () => {
    const created = await run('create', '--name', 'back office', '--scopes', 'keys:read, api-keys:admin');
    const key = /^key: +(tsk_\S+)$/m.exec(created)?.[1];
    const id = /^id: +([0-9a-f]{16})$/m.exec(created)?.[1];
    expect(key).toBeDefined();
    expect(created).toMatch(/^scopes: api-keys:admin keys:read$/m);

    const listed = await run('list');
    expect(listed).toMatch(new RegExp(`^${id}\\s+active\\s+back office\\s+api-keys:admin keys:read\\s`, 'm'));
    expect(listed).not.toContain(key);
    const json = JSON.parse(await run('list', '--json')) as { id: string; status: string; key?: string }[];
    expect(json).toEqual([expect.objectContaining({ id, status: 'active', createdBy: 'cli' })]);
    expect(json[0]).not.toHaveProperty('key');

    const server = await startTestApp({ database });
    try {
      await request(server.url).get('/api/api-keys').set('Authorization', `Bearer ${key}`).expect(200);
      expect(await run('revoke', id!)).toMatch(new RegExp(`^revoked ${id} \\(back office\\) at \\d{4}-`, 'm'));
      await request(server.url).get('/api/api-keys').set('Authorization', `Bearer ${key}`).expect(401);
    } finally {
      await server.close();
    }
    expect(await run('list')).toMatch(new RegExp(`^${id}\\s+revoked\\s`, 'm'));
  });

  it('prints the key once as JSON with --json', async () => {
    const created = JSON.parse(await run('create', '--name', 'ops', '--scopes', '*', '--json')) as { key: string; scopes: string[] };
    expect(created).toMatchObject({ key: expect.stringMatching(/^tsk_/), scopes: ['*'], status: 'active' });
  });

  it('refuses unknown scopes naming them, and creates nothing', async () => {
    const error = await run('create', '--name', 'x', '--scopes', 'keys:read,keys:everything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details).toEqual([{ field: 'scopes', problem: expect.stringContaining('"keys:everything"') }]);
    expect(await run('list')).toMatch(/^no API keys/);
  });

  it('requires --name and --scopes', async () => {
    const error = await run('create', '--scopes', 'keys:read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).message).toMatch(/--name/);
  });

  it('answers an unknown id with a not-found error', async () => {
    await expect(run('revoke', 'ffffffffffffffff')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('does not mint or print a first-start key as a side effect', async () => {
    expect(await run('list')).toBe('no API keys (TESSERA_ADMIN_API_KEY, if set, is not stored and not listed)\n');
    expect(await run('list', '--json')).toBe('[]\n');
  });
});
