import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WellKnownDocument } from './well-known-document';

describe('WellKnownDocument', () => {
  const sut = new WellKnownDocument({ issuer: 'https://issuer.example.com', n: 'é' }, 300);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => sut.respond(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the exact JSON bytes, cacheable and CORS-open', async () => {
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from('{"issuer":"https://issuer.example.com","n":"é"}', 'utf8'));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe(String(sut.body.length));
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('etag')).toBe(sut.etag);
    expect(sut.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
  });

  it.each([
    ['the ETag', () => sut.etag],
    ['the weak form of the ETag', () => `W/${sut.etag}`],
    ['a list holding the ETag', () => `"other", ${sut.etag}`],
    ['*', () => '*'],
  ])('answers 304 without a body to If-None-Match with %s', async (_what, header) => {
    const res = await fetch(base, { headers: { 'If-None-Match': header() } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(sut.etag);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.text()).toBe('');
  });

  it('answers 200 to a stale ETag', async () => {
    const res = await fetch(base, { headers: { 'If-None-Match': '"stale"' } });
    expect(res.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await fetch(base, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(sut.body.length));
    expect(await res.text()).toBe('');
  });

  it('answers the CORS preflight', async () => {
    const res = await fetch(base, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('if-none-match');
  });

  it('does not echo a malformed Access-Control-Request-Headers', async () => {
    const res = await fetch(base, { method: 'OPTIONS', headers: { 'Access-Control-Request-Headers': 'x-a; evil' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});
