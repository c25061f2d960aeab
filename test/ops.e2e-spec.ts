import request from 'supertest';
import { DatabaseService } from '../src/persistence/database.service';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2].split(',');
    if (wanted.every((w) => present.includes(w))) return Number(match[3]);
  }
  return undefined;
}

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /health', () => {
    it('answers 200 with every check ok, anonymously and uncached', async () => {
      const res = await request(t.url).get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok' } });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('answers 503 naming the failing check when the database does not answer', async () => {
      // The database edge fails; what is under test is how /health reports it.
      const spy = jest.spyOn(t.app.get(DatabaseService), 'ping').mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
      try {
        const res = await request(t.url).get('/health').expect(503);
        expect(res.body).toMatchObject({ status: 'error', checks: { database: 'error' }, error: 'service_unavailable' });
        expect(res.body.error_description).toMatch(/database/);
        expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('GET /metrics', () => {
    it('exposes default process metrics and counts requests by method, route template and status', async () => {
      await request(t.url).get('/api/api-keys').expect(401);
      await request(t.url).post('/api/api-keys/0123456789abcdef/revoke').expect(401);
      await request(t.url).get('/api/api-keys').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(200);
      await request(t.url).get('/no/such/thing/42').expect(404);
      // Refused by the body parser, before any route is chosen: counted all the same.
      await request(t.url).post('/api/api-keys').set('Content-Type', 'application/json').send('{"name":').expect(400);

      const res = await request(t.url).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const text = res.text;
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      expect(sample(text, 'http_requests_total', { method: 'GET', route: '/api/api-keys', status: '401' })).toBe(1);
      expect(sample(text, 'http_requests_total', { method: 'GET', route: '/api/api-keys', status: '200' })).toBe(1);
      // The template, not the id: one series however many keys are revoked.
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/api/api-keys/:id/revoke', status: '401' })).toBe(1);
      expect(sample(text, 'http_requests_total', { method: 'GET', route: '<unmatched>', status: '404' })).toBe(1);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '<unmatched>', status: '400' })).toBe(1);
      expect(text).not.toContain('/no/such/thing/42');
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/api-keys', status: '401' })).toBe(1);
    });

    it('shows the SQLite WAL checkpointer: running, its passes, and the WAL it leaves', async () => {
      await request(t.url).post('/api/api-keys').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).send({ name: 'metrics', scopes: ['keys:read'] }).expect(201);
      const checkpointer = t.app.get(DatabaseService).sqliteCheckpointer;
      expect(checkpointer?.running).toBe(true);
      await checkpointer!.checkpointNow();
      const text = (await request(t.url).get('/metrics').expect(200)).text;
      expect(text).toMatch(/^tessera_sqlite_checkpointer_up 1$/m);
      expect(Number(/^tessera_sqlite_checkpoint_passes_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^tessera_sqlite_checkpoint_frames_total \d+$/m);
      expect(text).toMatch(/^tessera_sqlite_wal_frames \d+$/m);
    });

    it('keeps a registry per application, so a second app in the same process starts and counts on its own', async () => {
      const other = await startTestApp();
      try {
        await request(other.url).get('/health').expect(200);
        const res = await request(other.url).get('/metrics').expect(200);
        expect(sample(res.text, 'http_requests_total', { method: 'GET', route: '/health', status: '200' })).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('asks for the configured bearer token when metrics.bearerToken is set', async () => {
      const token = 'scrape-token-0123456789';
      const locked = await startTestApp({ overrides: { metrics: { bearerToken: token } } });
      try {
        const denied = await request(locked.url).get('/metrics').expect(401);
        expect(denied.body.error).toBe('unauthorized');
        expect(denied.headers['www-authenticate']).toMatch(/^Bearer /);
        await request(locked.url).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
        // The admin key is not the metrics token.
        await request(locked.url).get('/metrics').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(401);
        const ok = await request(locked.url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
        expect(ok.text).toContain('http_requests_total');
      } finally {
        await locked.close();
      }
    });
  });

  describe('OpenAPI', () => {
    it('serves the UI at /docs and the document at /docs/json with the bearer scheme on admin routes', async () => {
      const ui = await request(t.url).get('/docs').expect(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
      expect(ui.text).toContain('swagger-ui');

      const doc = (await request(t.url).get('/docs/json').expect(200)).body;
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.servers).toEqual([{ url: t.url }]);
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const create = doc.paths['/api/api-keys'].post;
      expect(create.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '401', '403']));
      expect(doc.components.schemas.CreateApiKeyDto.required).toEqual(['name', 'scopes']);
      expect(doc.paths['/health'].get.security).toBeUndefined();
      // Scrapers, not API clients, read /metrics.
      expect(doc.paths['/metrics']).toBeUndefined();
    });
  });
});

describe('rate limits over HTTP', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After through the error filter once the admin budget is spent, and never limits /health', async () => {
    t = await startTestApp({ overrides: { rateLimits: { admin: { limit: 2 }, public: { limit: 1 } } } });
    const admin = () => request(t.url).get('/api/api-keys').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`);
    const first = await admin().expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    await admin().expect(200);
    const limited = await admin().expect(429);
    expect(limited.body).toEqual({ error: 'too_many_requests', error_description: expect.stringMatching(/"admin" rate limit/) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 5; i++) await request(t.url).get('/health').expect(200);
    for (let i = 0; i < 5; i++) await request(t.url).get('/metrics').expect(200);
  });

  it('ignores X-Forwarded-For unless trustProxy says to believe it', async () => {
    t = await startTestApp({ overrides: { rateLimits: { admin: { limit: 1 } } } });
    await request(t.url).get('/api/api-keys').set('X-Forwarded-For', '203.0.113.1').expect(401);
    // A client cannot escape its budget by inventing forwarded addresses.
    await request(t.url).get('/api/api-keys').set('X-Forwarded-For', '203.0.113.2').expect(429);
  });

  it('counts each forwarded client on its own behind a trusted proxy', async () => {
    t = await startTestApp({ overrides: { trustProxy: 'loopback', rateLimits: { admin: { limit: 1 } } } });
    await request(t.url).get('/api/api-keys').set('X-Forwarded-For', '203.0.113.1').expect(401);
    await request(t.url).get('/api/api-keys').set('X-Forwarded-For', '203.0.113.1').expect(429);
    await request(t.url).get('/api/api-keys').set('X-Forwarded-For', '203.0.113.2').expect(401);
  });
});
