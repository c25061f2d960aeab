import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { LoggerModule, Logger } from 'nestjs-pino';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { OperatorConsole } from '../src/auth/operator-console';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/config.loader';
import { loggerParams } from '../src/logging';
import { createTestDatabase, type TestDatabase } from './utils/database';

/**
 * What the JSON log of a real application carries, read back from the pino destination: the
 * application is the production module tree, with only the log destination swapped for a stream.
 */
describe('structured logs', () => {
  const lines: string[] = [];
  const printed: string[] = [];
  let app: INestApplication;
  let url: string;
  let database: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-logs-'));
    database = await createTestDatabase('sqlite');
    // No TESSERA_ADMIN_API_KEY: the first-start key is generated, and must reach stdout only.
    const loaded = loadConfig({
      env: { PORT: '0', DATA_DIR: dataDir, DATABASE_URL: database.url, KEYSTORE_PASSPHRASE: 'test-keystore-passphrase', LOG_LEVEL: 'info' },
      cwd: dataDir,
    });
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const root = AppModule.forRoot(loaded.config);
    const logger = root.imports!.find((m) => (m as { module?: unknown }).module === LoggerModule);
    const moduleRef = await Test.createTestingModule({ imports: [root] })
      .overrideModule(logger as never)
      .useModule(LoggerModule.forRoot(loggerParams(loaded.config, destination)))
      .overrideProvider(OperatorConsole)
      .useValue({ write: (text: string) => void printed.push(text) })
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true, bodyParser: false });
    app.useLogger(app.get(Logger));
    configureApp(app as NestExpressApplication, loaded);
    await app.init();
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never carries a bearer key, a created key or an id_token_hint, while logging the requests themselves', async () => {
    const firstStartKey = /\b(tsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/.exec(printed.join(''))?.[1];
    expect(firstStartKey).toBeDefined();
    const hint = [
      Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ sub: 'someone', email: 'invitee@example.com' })).toString('base64url'),
      'c2lnbmF0dXJlLW5vdC1mb3ItbG9ncw',
    ].join('.');

    await request(url).get(`/api/api-keys?id_token_hint=${hint}`).set('Authorization', `Bearer ${firstStartKey}`).expect(200);
    const created = await request(url)
      .post(`/api/api-keys?id_token_hint=${hint}`)
      .set('Authorization', `Bearer ${firstStartKey}`)
      .send({ name: 'logged', scopes: ['keys:read'] })
      .expect(201);
    await request(url).get(`/api/api-keys?id_token_hint=${hint}`).set('Authorization', `Bearer ${created.body.key}`).expect(403);
    await request(url).get(`/api/api-keys?id_token_hint=${hint}`).set('Authorization', `Bearer ${firstStartKey}x`).expect(401);
    await request(url).get(`/no/such/route?id_token_hint=${hint}`).set('Authorization', `Bearer ${firstStartKey}`).expect(404);

    const log = lines.join('\n');
    // The requests were logged (as JSON, with their status), so the absences below mean something.
    const completed = lines.map((l) => JSON.parse(l) as { req?: { url?: string }; res?: { statusCode?: number } }).filter((e) => e.req?.url);
    expect(completed.map((e) => `${e.req!.url} ${e.res?.statusCode}`)).toEqual(
      expect.arrayContaining(['/api/api-keys 200', '/api/api-keys 201', '/api/api-keys 403', '/api/api-keys 401', '/no/such/route 404']),
    );
    expect(log).toContain(`API key ${created.body.id}`);

    for (const secret of [firstStartKey!, created.body.key as string, hint, hint.split('.')[1], 'c2lnbmF0dXJlLW5vdC1mb3ItbG9ncw']) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toContain('id_token_hint');
    expect(log).not.toMatch(/Bearer\s+tsk_/);
    expect(log).not.toContain(firstStartKey!.split('_').slice(2).join('_'));
  });

  it('logs the routes served ahead of Express alike: one line each, no key, no hint, no query', async () => {
    const firstStartKey = /\b(tsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/.exec(printed.join(''))?.[1];
    const hint = 'eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImZhc3RAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJlLWZhc3QtcGF0aA';
    const before = lines.length;
    // Validation (no profile configured: a 400) and invitation creation (no relying party: a 400).
    await request(url).post(`/api/hints/validate?id_token_hint=${hint}`).set('Authorization', `Bearer ${firstStartKey}`).send({ profile: 'none', id_token_hint: hint }).expect(400);
    await request(url).post('/api/invitations').set('Authorization', `Bearer ${firstStartKey}`).send({ email: 'fast@example.com', relyingParty: 'none' }).expect(400);
    await request(url).post('/api/hints/validate').set('Authorization', `Bearer ${firstStartKey}x`).send({}).expect(401);

    const logged = lines.slice(before).map((l) => JSON.parse(l) as { req?: { id?: unknown; url?: string; headers?: Record<string, string> }; res?: { statusCode?: number } });
    const completed = logged.filter((e) => e.req?.url);
    expect(completed.map((e) => `${e.req!.url} ${e.res?.statusCode}`)).toEqual(['/api/hints/validate 400', '/api/invitations 400', '/api/hints/validate 401']);
    // Request ids come from one sequence shared with the Express path: never reused.
    const ids = lines
      .map((l) => JSON.parse(l) as { req?: { id?: unknown }; res?: unknown })
      .filter((e) => e.req?.id !== undefined && e.res !== undefined)
      .map((e) => e.req!.id);
    expect(new Set(ids).size).toBe(ids.length);
    const text = lines.slice(before).join('\n');
    for (const secret of [firstStartKey!, hint, hint.split('.')[1], 'id_token_hint']) expect(text).not.toContain(secret);
    // The same serializer as the Express path: id, method and the path, nothing else.
    expect(Object.keys(completed[0].req!).sort()).toEqual(['id', 'method', 'url']);
  });

  it('never carries a landing code, however the path is spelled', async () => {
    const code = 'Lx9cQm2yJb7hX0kR4pL1nT8sW6zA5dE3fG2hJ9kL0q3';
    const before = lines.length;
    await request(url).get(`/invite/${code}`).expect(404);
    await request(url).get(`/INVITE/${code}`).expect(404);
    await request(url).post(`/Invite/${code}/accept`).type('form').send('csrf=x').expect(404);

    const logged = lines.slice(before);
    const urls = logged.map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url).filter(Boolean);
    expect(urls).toEqual(expect.arrayContaining(['/invite/[redacted]', '/INVITE/[redacted]', '/Invite/[redacted]/accept']));
    expect(logged.join('\n')).not.toContain(code);
  });
});
