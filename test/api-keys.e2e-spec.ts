import request from 'supertest';
import { INVALID_KEY_MESSAGE } from '../src/auth/access.guard';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './utils/database';

const BANNER = 'TESSERA FIRST START';

describe('API keys over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const asAdmin = (key = TEST_ADMIN_KEY) => ({ Authorization: `Bearer ${key}` });

  it('creates a key, shows it once, and lists it without key or hash', async () => {
    const created = await request(t.url)
      .post('/api/api-keys')
      .set(asAdmin())
      .send({ name: 'importer', scopes: ['invitations:write', 'invitations:read'] })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'importer',
      prefix: expect.stringMatching(/^tsk_[0-9a-f]{16}_.{4}$/),
      scopes: ['invitations:read', 'invitations:write'],
      status: 'active',
      createdAt: expect.any(String),
      createdBy: 'env',
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      key: expect.stringMatching(/^tsk_[0-9a-f]{16}_/),
    });
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);
    // The one response that carries the plaintext key must not be cached anywhere.
    expect(created.headers['cache-control']).toBe('no-store');

    const list = await request(t.url).get('/api/api-keys').set(asAdmin()).expect(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'importer', status: 'active' });
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(JSON.stringify(list.body)).not.toMatch(/hash/i);
    // The environment key is never stored, so never listed.
    expect(JSON.stringify(list.body)).not.toContain(TEST_ADMIN_KEY);
  });

  it('refuses bad input with a 400 naming each field, and stores nothing', async () => {
    const before = (await request(t.url).get('/api/api-keys').set(asAdmin())).body.items.length;
    const res = await request(t.url).post('/api/api-keys').set(asAdmin()).send({ scopes: ['keys:read', 'keys:everything'], extra: 1 }).expect(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'scopes', 'extra']));
    expect(res.body.details).toContainEqual({ field: 'scopes', problem: expect.stringMatching(/^unknown scope "keys:everything"; known: keys:read/) });
    await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'x', scopes: [] }).expect(400);
    const notArray = await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'x', scopes: 'keys:read' }).expect(400);
    // One problem, in the words that help, rather than every rule the value breaks.
    expect(notArray.body.details).toEqual([{ field: 'scopes', problem: expect.stringMatching(/^must be an array of scope names/) }]);
    await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'x'.repeat(101), scopes: ['keys:read'] }).expect(400);
    expect((await request(t.url).get('/api/api-keys').set(asAdmin())).body.items).toHaveLength(before);
  });

  it('lets a delegated key create narrower keys but not wider ones', async () => {
    const delegate = (
      await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'delegate', scopes: ['api-keys:admin', 'keys:read'] }).expect(201)
    ).body.key as string;
    await request(t.url).post('/api/api-keys').set(asAdmin(delegate)).send({ name: 'reader', scopes: ['keys:read'] }).expect(201);
    const wider = await request(t.url).post('/api/api-keys').set(asAdmin(delegate)).send({ name: 'root', scopes: ['*'] }).expect(403);
    expect(wider.body).toEqual({ error: 'insufficient_scope', error_description: expect.stringMatching(/only grant scopes it holds/) });
  });

  it('lets a delegated key revoke narrower keys but not more powerful ones', async () => {
    const delegate = (
      await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'delegate', scopes: ['api-keys:admin', 'keys:read'] }).expect(201)
    ).body.key as string;
    const root = (await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'root', scopes: ['*'] }).expect(201)).body;
    const writer = (await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'writer', scopes: ['invitations:write'] }).expect(201)).body;
    const reader = (await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'reader', scopes: ['keys:read'] }).expect(201)).body;

    const refused = await request(t.url).post(`/api/api-keys/${root.id}/revoke`).set(asAdmin(delegate)).expect(403);
    expect(refused.body).toEqual({ error: 'insufficient_scope', error_description: expect.stringMatching(/only revoke keys whose scopes it holds/) });
    await request(t.url).post(`/api/api-keys/${writer.id}/revoke`).set(asAdmin(delegate)).expect(403);
    // Both still work.
    await request(t.url).get('/api/api-keys').set(asAdmin(root.key)).expect(200);
    await request(t.url).get('/api/keys').set(asAdmin(delegate)).expect(200);

    const revoked = await request(t.url).post(`/api/api-keys/${reader.id}/revoke`).set(asAdmin(delegate)).expect(200);
    expect(revoked.body).toMatchObject({ id: reader.id, status: 'revoked' });
  });

  it('revokes a key at once; the revoked key gets the same 401 as an unknown one', async () => {
    const created = (await request(t.url).post('/api/api-keys').set(asAdmin()).send({ name: 'short-lived', scopes: ['api-keys:admin'] }).expect(201)).body;
    await request(t.url).get('/api/api-keys').set(asAdmin(created.key)).expect(200);

    const revoked = await request(t.url).post(`/api/api-keys/${created.id}/revoke`).set(asAdmin()).expect(200);
    expect(revoked.body).toMatchObject({ id: created.id, status: 'revoked', revokedBy: 'env', revokedAt: expect.any(String) });
    expect(revoked.body).not.toHaveProperty('key');

    const refused = await request(t.url).get('/api/api-keys').set(asAdmin(created.key)).expect(401);
    const unknown = await request(t.url).get('/api/api-keys').set(asAdmin(created.key.replace(created.id, 'ffffffffffffffff'))).expect(401);
    expect(refused.body).toEqual({ error: 'unauthorized', error_description: INVALID_KEY_MESSAGE });
    expect(unknown.body).toEqual(refused.body);

    // Revoking again changes nothing.
    const again = await request(t.url).post(`/api/api-keys/${created.id}/revoke`).set(asAdmin()).expect(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('answers 404 when revoking a key that does not exist', async () => {
    const res = await request(t.url).post('/api/api-keys/ffffffffffffffff/revoke').set(asAdmin()).expect(404);
    expect(res.body.error).toBe('not_found');
  });
});

describeEachDialect('first-start admin key', (dialect) => {
  let database: TestDatabase;
  let printed: string[];
  let write: jest.SpyInstance;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    printed = [];
    const original = process.stdout.write.bind(process.stdout);
    write = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).includes(BANNER)) {
        printed.push(String(chunk));
        return true;
      }
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write);
  });
  afterEach(async () => {
    write.mockRestore();
    for (const app of apps.splice(0)) await app.close();
    await database.close();
  });

  /** An instance of the deployment on the shared database, without TESSERA_ADMIN_API_KEY. */
  async function start(): Promise<TestApp> {
    const app = await startTestApp({ database, env: { TESSERA_ADMIN_API_KEY: '' } });
    apps.push(app);
    return app;
  }

  it('prints one working * key in a framed banner on first start, and nothing on the next start', async () => {
    const first = await start();
    expect(printed).toHaveLength(1);
    const key = /\b(tsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/.exec(printed[0])?.[1];
    expect(key).toBeDefined();
    expect(printed[0]).toMatch(/^\n\+-+\+\n\| TESSERA FIRST START/);
    const listed = await request(first.url).get('/api/api-keys').set('Authorization', `Bearer ${key}`).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ scopes: ['*'], createdBy: 'first-start' })]);

    await start();
    expect(printed).toHaveLength(1);
  });

  it('prints exactly one key when two instances start together on an empty database', async () => {
    const [a] = await Promise.all([start(), start()]);
    expect(printed).toHaveLength(1);
    const key = /\b(tsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/.exec(printed[0])![1];
    const listed = await request(a.url).get('/api/api-keys').set('Authorization', `Bearer ${key}`).expect(200);
    expect(listed.body.items).toHaveLength(1);
  });

  it('prints nothing when TESSERA_ADMIN_API_KEY provisions the key, and stores nothing', async () => {
    const app = await startTestApp({ database });
    apps.push(app);
    expect(printed).toEqual([]);
    const listed = await request(app.url).get('/api/api-keys').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(200);
    expect(listed.body.items).toEqual([]);
  });
});
