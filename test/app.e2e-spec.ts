import request from 'supertest';
import { startTestApp, type TestApp } from './utils/app';

describe('application shell', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers unknown routes with a JSON 404, not an HTML page', async () => {
    const res = await request(t.url).get('/no/such/route').expect(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'no such route or resource' });
  });

  it('refuses malformed JSON with a 400 that says so', async () => {
    const res = await request(t.url).post('/no/such/route').set('Content-Type', 'application/json').send('{"a":');
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/not valid JSON/);
  });

  it('refuses an oversized body with a 413', async () => {
    const res = await request(t.url)
      .post('/no/such/route')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(200 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });
});
