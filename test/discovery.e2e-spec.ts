import { X509Certificate, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startTestApp, type TestApp } from './utils/app';

const ISSUER_SUFFIX = '/tenant-1/v2.0/';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** Headers that legitimately differ between two responses (time, connection handling). */
const VARYING = new Set(['date', 'connection', 'keep-alive']);

function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers.entries()].filter(([name]) => !VARYING.has(name)));
}

describe('discovery and JWKS over HTTP', () => {
  let t: TestApp;
  /** The same application without the fast path: Express and Nest alone. */
  let pipelineOnly: Server;
  let pipelineUrl: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ISSUER: `https://login.example.com${ISSUER_SUFFIX}` },
      overrides: { discovery: { maxAgeSeconds: 300 } },
    });
    const express = (t.app as NestExpressApplication).getHttpAdapter().getInstance();
    pipelineOnly = createServer(express);
    await new Promise<void>((resolve) => pipelineOnly.listen(0, '127.0.0.1', resolve));
    pipelineUrl = `http://127.0.0.1:${(pipelineOnly.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    pipelineOnly.closeAllConnections();
    await new Promise((resolve) => pipelineOnly.close(resolve));
    await t.close();
  });

  it('publishes the configured issuer byte for byte and an absolute jwks_uri', async () => {
    const res = await fetch(`${t.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(`https://login.example.com${ISSUER_SUFFIX}`);
    expect(body.jwks_uri).toBe(`${t.url}/.well-known/keys`);
    expect(body.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(body).not.toHaveProperty('authorization_endpoint');
    expect(body).not.toHaveProperty('token_endpoint');
  });

  it.each(['/.well-known/keys', '/.well-known/jwks'])('serves the published keys at %s, public members only', async (path) => {
    const res = await fetch(`${t.url}${path}`);
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      // x5c carries the same public key as n/e; x5t and x5t#S256 are that certificate's.
      const der = Buffer.from((key.x5c as string[])[0], 'base64');
      const cert = new X509Certificate(der);
      expect(cert.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'RSA', n: key.n, e: key.e });
      expect(key.x5t).toBe(createHash('sha1').update(der).digest('base64url'));
      expect(key['x5t#S256']).toBe(createHash('sha256').update(der).digest('base64url'));
    }
  });

  it.each(['/.well-known/openid-configuration', '/.well-known/keys'])('makes %s cacheable, revalidatable and CORS-open', async (path) => {
    const res = await fetch(`${t.url}${path}`, { headers: { Origin: 'https://app.example.org' } });
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);

    const again = await fetch(`${t.url}${path}`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const head = await fetch(`${t.url}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');

    const preflight = await fetch(`${t.url}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('needs no credentials', async () => {
    const res = await fetch(`${t.url}/.well-known/keys`, { headers: { Authorization: 'Bearer not-a-key' } });
    expect(res.status).toBe(200);
  });

  describe.each([
    ['GET', '/.well-known/openid-configuration', {}],
    ['GET', '/.well-known/keys', {}],
    ['GET', '/.well-known/jwks', {}],
    ['HEAD', '/.well-known/keys', {}],
    ['OPTIONS', '/.well-known/keys', { 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' }],
  ])('%s %s', (method, path, headers) => {
    it('answers identically through the fast path and through Express and Nest', async () => {
      const fast = await fetch(`${t.url}${path}`, { method, headers });
      const pipeline = await fetch(`${pipelineUrl}${path}`, { method, headers });
      expect(fast.status).toBe(pipeline.status);
      expect(headersOf(fast)).toEqual(headersOf(pipeline));
      expect(Buffer.from(await fast.arrayBuffer())).toEqual(Buffer.from(await pipeline.arrayBuffer()));
    });
  });

  it('is served by the fast path in front of Express', () => {
    const listeners = t.app.getHttpServer().listeners('request');
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).not.toBe((t.app as NestExpressApplication).getHttpAdapter().getInstance());
  });

  it('answers 304 identically on both paths', async () => {
    const etag = (await fetch(`${t.url}/.well-known/keys`)).headers.get('etag')!;
    const fast = await fetch(`${t.url}/.well-known/keys`, { headers: { 'If-None-Match': etag } });
    const pipeline = await fetch(`${pipelineUrl}/.well-known/keys`, { headers: { 'If-None-Match': etag } });
    expect([fast.status, pipeline.status]).toEqual([304, 304]);
    expect(headersOf(fast)).toEqual(headersOf(pipeline));
  });

  it('leaves other methods on these paths to the application', async () => {
    const res = await fetch(`${t.url}/.well-known/keys`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('not_found');
  });
});
