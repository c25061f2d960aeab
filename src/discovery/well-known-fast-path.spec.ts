import type { INestApplication } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installWellKnownFastPath } from './well-known-fast-path';
import { WellKnownDocument } from './well-known-document';
import type { WellKnownDocumentsService } from './well-known-documents.service';

/** The documents service stands in for the key store here: this is about request routing. */
class Documents {
  readonly configuration = new WellKnownDocument({ issuer: 'https://issuer.example.com' }, 60);
  jwks: () => Promise<WellKnownDocument> = async () => new WellKnownDocument({ keys: [] }, 60);
  forPath(path: string) {
    if (path === '/.well-known/openid-configuration') return this.configuration;
    if (path === '/.well-known/keys') return this.jwks();
    return undefined;
  }
}

describe('installWellKnownFastPath', () => {
  let server: Server;
  let base: string;
  const reachedApp: string[] = [];
  const documents = new Documents();
  let uninstall: () => void;

  beforeAll(async () => {
    // The downstream listener plays the Express application.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      reachedApp.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('from the application');
    });
    const app = { getHttpServer: () => server, get: () => documents as unknown as WellKnownDocumentsService } as unknown as INestApplication;
    uninstall = installWellKnownFastPath(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    reachedApp.length = 0;
  });

  it('answers the documents itself, query string or not', async () => {
    const a = await fetch(`${base}/.well-known/openid-configuration`);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ issuer: 'https://issuer.example.com' });
    const b = await fetch(`${base}/.well-known/keys?cache-buster=1`);
    expect(await b.json()).toEqual({ keys: [] });
    const c = await fetch(`${base}/.well-known/keys`, { method: 'OPTIONS' });
    expect(c.status).toBe(204);
    expect(reachedApp).toEqual([]);
  });

  it('passes every other request on to the application', async () => {
    await fetch(`${base}/api/keys`);
    await fetch(`${base}/.well-known/keys/extra`);
    await fetch(`${base}/.well-known/keys`, { method: 'POST' });
    expect(reachedApp).toEqual(['GET /api/keys', 'GET /.well-known/keys/extra', 'POST /.well-known/keys']);
  });

  it('lets the application answer when a document cannot be prepared', async () => {
    const working = documents.jwks;
    documents.jwks = () => Promise.reject(new Error('database down'));
    try {
      const res = await fetch(`${base}/.well-known/keys`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('from the application');
      expect(reachedApp).toEqual(['GET /.well-known/keys']);
    } finally {
      documents.jwks = working;
    }
  });

  it('can be removed again', async () => {
    uninstall();
    const res = await fetch(`${base}/.well-known/openid-configuration`);
    expect(res.status).toBe(404);
    expect(reachedApp).toEqual(['GET /.well-known/openid-configuration']);
  });
});
