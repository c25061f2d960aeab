import request from 'supertest';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';
import { describeEachDialect } from './utils/database';

/**
 * U+0000 cannot be stored in PostgreSQL text (SQLSTATE 22021): an id, filter or field carrying
 * one must be refused as bad input naming the field, before it reaches any query.
 */
describeEachDialect('NUL characters in admin input', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  it.each([
    ['GET', '/api/invitations/a%00b', 'id'],
    ['GET', '/api/invitations?email=a%00b', 'email'],
    ['GET', '/api/keys/a%00b/certificate', 'kid'],
    ['GET', '/api/invitations/bulk/a%00b', 'id'],
    ['POST', '/api/api-keys/a%00b/revoke', 'id'],
    ['POST', '/api/invitations/a%00b/revoke', 'id'],
  ])('%s %s is a 400 naming %s', async (method, path, field) => {
    const req = method === 'GET' ? request(t.url).get(path) : request(t.url).post(path).send({});
    const res = await req.set(auth);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ field, problem: expect.stringContaining('NUL') }] });
  });

  it('refuses a body field holding U+0000, naming it, and writes nothing', async () => {
    const res = await request(t.url).post('/api/api-keys').set(auth).send({ name: 'im\u0000porter', scopes: ['keys:read'] });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ field: 'name', problem: expect.stringContaining('NUL') }]);
    const list = await request(t.url).get('/api/api-keys').set(auth).expect(200);
    expect(list.body.items).toEqual([]);
  });
});
