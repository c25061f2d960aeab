import { Command } from 'commander';
import { exportJWK, generateKeyPair } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import YAML from 'yaml';
import { registerSelfCheckCommand } from '../src/cli/self-check.command';
import { KeyStoreService } from '../src/keys/key-store.service';
import type { Finding, SelfCheckReport } from '../src/self-check/self-check.types';
import { HS256_SECRET, HS256_SECRET_NAME, RELYING_PARTIES } from './invitations/support';
import { freePort, startTestApp, TEST_ADMIN_KEY, type TestApp, type TestAppOptions } from './utils/app';

const AUTH = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** A Tessera with the usual relying parties (B2C RS256, direct RS256, HS256) and the HS256 secret in its store. */
function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    overrides: { relyingParties: RELYING_PARTIES, mail: { workerEnabled: false, from: 'Tessera <t@tessera.test>' }, ...options.overrides },
    beforeListen: async (app) => {
      await app.get(KeyStoreService).setHmacSecret(HS256_SECRET_NAME, HS256_SECRET);
    },
  });
}

async function selfCheck(t: TestApp): Promise<SelfCheckReport> {
  const res = await request(t.url).get('/api/self-check').set(AUTH);
  expect(res.status).toBe(200);
  return res.body as SelfCheckReport;
}

function findingsOf(report: SelfCheckReport, id: string): Finding[] {
  const rp = report.relyingParties.find((r) => r.id === id);
  if (!rp) throw new Error(`no report for ${id}`);
  return rp.findings;
}

/** A loopback HTTP server standing where PUBLIC_URL points, answering with `handler`. */
async function startServer(handler: http.RequestListener): Promise<{ url: string; server: Server }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('self-check', () => {
  it('gives the default configuration a clean bill: no errors, only the loopback-HTTP warning', async () => {
    const t = await startApp();
    try {
      const report = await selfCheck(t);
      expect(report.ok).toBe(true);
      expect(report.publicUrl).toBe(t.url);
      expect(report.relyingParties.map((r) => [r.id, r.signing])).toEqual([
        ['contoso', 'RS256'],
        ['direct-app', 'RS256'],
        ['hs-app', 'HS256'],
      ]);
      expect(findingsOf(report, 'contoso')).toEqual([expect.objectContaining({ severity: 'warning', code: 'AADB2C90210', check: 'public-url-https' })]);
      expect(findingsOf(report, 'hs-app')).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('gives the same clean bill from the command line, beside the running server', async () => {
    const t = await startApp();
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-self-check-cli-'));
    try {
      writeFileSync(join(cwd, 'tessera.yaml'), YAML.stringify({ relyingParties: RELYING_PARTIES }));
      const out: string[] = [];
      let code: number | undefined;
      const program = new Command('tessera').exitOverride();
      registerSelfCheckCommand(program, {
        out: (line) => out.push(line),
        exit: (c) => (code = c),
        cwd,
        env: {
          DATA_DIR: t.dataDir,
          DATABASE_URL: t.database.url,
          PUBLIC_URL: t.url,
          KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
          LOG_LEVEL: 'silent',
        },
      });
      await program.parseAsync(['node', 'tessera', 'self-check']);
      expect(code).toBe(0);
      expect(out).toContain('hs-app (HS256): ok');
      expect(out.filter((line) => line.startsWith('  ERROR'))).toEqual([]);
      expect(out.at(-1)).toBe('ok: no errors');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await t.close();
    }
  });

  it('names AADB2C90232 when ISSUER differs from PUBLIC_URL by a trailing slash', async () => {
    const port = await freePort();
    const t = await startApp({ port, env: { ISSUER: `http://127.0.0.1:${port}/` } });
    try {
      const report = await selfCheck(t);
      expect(report.ok).toBe(false);
      const finding = findingsOf(report, 'contoso').find((f) => f.check === 'issuer-matches-public-url');
      expect(finding).toMatchObject({ severity: 'error', code: 'AADB2C90232' });
      expect(finding?.message).toMatch(/only by a trailing slash/);
      expect(finding?.fix).toContain(`"http://127.0.0.1:${port}"`);
    } finally {
      await t.close();
    }
  });

  it('names AADB2C90210 when PUBLIC_URL points somewhere that does not serve the discovery document or the JWKS', async () => {
    const elsewhere = await startServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    });
    const t = await startApp({ env: { PUBLIC_URL: elsewhere.url } });
    try {
      const report = await selfCheck(t);
      expect(report.ok).toBe(false);
      const contoso = findingsOf(report, 'contoso');
      expect(contoso).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ severity: 'error', code: 'AADB2C90210', check: 'discovery-reachable', message: expect.stringMatching(/answers HTTP 404/) }),
          expect.objectContaining({ severity: 'error', code: 'AADB2C90210', check: 'jwks-reachable', message: expect.stringContaining(`${elsewhere.url}/.well-known/keys`) }),
        ]),
      );
      // An HS256 relying party does not read metadata: nothing to report for it.
      expect(findingsOf(report, 'hs-app')).toEqual([]);
    } finally {
      await t.close();
      await stopServer(elsewhere.server);
    }
  });

  describe('with PUBLIC_URL served by a stand-in that publishes its own documents', () => {
    let mode: 'foreign-key' | 'redirect' = 'foreign-key';
    let stand: { url: string; server: Server };
    let t: TestApp;
    let foreignJwks: { keys: Record<string, unknown>[] };

    beforeAll(async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      foreignJwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'someone-elses-key', alg: 'RS256', use: 'sig' }] };
      stand = await startServer((req, res) => {
        const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/.well-known/openid-configuration') {
          json(200, { issuer: stand.url, jwks_uri: `${stand.url}/.well-known/keys` });
        } else if (req.url === '/.well-known/keys' && mode === 'foreign-key') {
          json(200, foreignJwks);
        } else if (req.url === '/.well-known/keys') {
          res.writeHead(302, { location: 'https://keys.example.com/jwks' }).end();
        } else {
          json(404, {});
        }
      });
      t = await startApp({ env: { PUBLIC_URL: stand.url } });
    });
    afterAll(async () => {
      await t?.close();
      if (stand) await stopServer(stand.server);
    });

    it('names AADB2C90233 when the active key is not published', async () => {
      mode = 'foreign-key';
      const active = await t.app.get(KeyStoreService).getActiveSigningKey();
      const report = await selfCheck(t);
      expect(report.ok).toBe(false);
      const contoso = findingsOf(report, 'contoso');
      const unpublished = contoso.find((f) => f.check === 'active-key-published');
      expect(unpublished).toMatchObject({ severity: 'error', code: 'AADB2C90233' });
      expect(unpublished?.message).toContain(active.kid);
      expect(unpublished?.message).toContain('"someone-elses-key"');
      expect(contoso.find((f) => f.check === 'hint-validates')).toMatchObject({ severity: 'error', code: 'AADB2C90233' });
      expect(contoso.some((f) => f.check === 'issuer-matches-discovery')).toBe(false);
    });

    it('names a jwks_uri that redirects instead of serving the keys', async () => {
      mode = 'redirect';
      const report = await selfCheck(t);
      const finding = findingsOf(report, 'contoso').find((f) => f.check === 'jwks-reachable');
      expect(finding).toMatchObject({ severity: 'error', code: 'AADB2C90210' });
      expect(finding?.message).toMatch(/answers 302 redirecting to https:\/\/keys\.example\.com\/jwks/);
    });
  });

  it('names an HS256 relying party whose secret the key store lacks', async () => {
    const t = await startTestApp({ overrides: { relyingParties: RELYING_PARTIES.filter((rp) => rp.id === 'hs-app') } });
    try {
      const report = await selfCheck(t);
      expect(report.ok).toBe(false);
      expect(findingsOf(report, 'hs-app')).toEqual([expect.objectContaining({ severity: 'error', code: null, check: 'hs256-secret' })]);
    } finally {
      await t.close();
    }
  });

  it('is an admin route that needs the self-check scope', async () => {
    const t = await startTestApp();
    try {
      const res = await request(t.url).get('/api/self-check');
      expect(res.status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
