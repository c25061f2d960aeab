import { Global, Module, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { Clock } from '../../src/common/clock';
import { loadConfig } from '../../src/config/config.loader';
import type { TesseraConfig } from '../../src/config/config.schema';
import {
  JourneyCompletion,
  JourneyStarter,
  PolicyCatalog,
  type AuthorizationRequest,
  type PolicyDescriptor,
  type RegisteredApplication,
} from '../../src/journeys/journeys.contracts';
import { loggerParams } from '../../src/logging';
import type { Dialect } from '../../src/persistence/database';
import { TEST_ADMIN_KEY } from '../utils/app';
import { createTestDatabase, type TestDatabase } from '../utils/database';

/**
 * Drives the protocol side on its own: the journey engine is an edge these tests are not
 * about, so its two abstract classes are replaced by a fixed catalog and a starter that ends
 * every journey at once, successfully or with a chosen AADB2C error.
 */

export const POLICY_ID = 'B2C_1A_protocol_test';
export const OTHER_POLICY_ID = 'B2C_1A_other';
export const SPA_REDIRECT = 'https://spa.example.test/callback';
export const WEB_REDIRECT = 'https://web.example.test/signin-oidc';
export const WEB_SECRET = 'web-client-secret: with spaces, colons & ünïcode';

export const SUBJECT = '6d7a1c0e-5b2f-4f0e-9a51-2f3a8c9d1e01';
export const CLAIMS = { email: 'invitee@example.test', name: 'In Vitee', newUser: true, extension_role: ['reader', 'writer'] };

export class FixedCatalog extends PolicyCatalog {
  constructor(
    readonly policyList: PolicyDescriptor[],
    readonly applications: RegisteredApplication[],
  ) {
    super();
  }
  policy(policyId: string): PolicyDescriptor | undefined {
    return this.policyList.find((p) => p.id === policyId);
  }
  policies(): PolicyDescriptor[] {
    return this.policyList;
  }
  application(clientId: string): RegisteredApplication | undefined {
    return this.applications.find((a) => a.clientId === clientId);
  }
}

export type JourneyEnding =
  | { kind: 'complete'; subject: string; claims: Record<string, unknown> }
  | { kind: 'fail'; code: string; description: string; error?: string }
  /** the catalog changes while the journey runs: this client's redirect URIs are withdrawn */
  | { kind: 'complete-after-unregistering' };

/** Ends every journey at once; `login_hint` chooses how, so one app serves every test. */
export class ImmediateStarter extends JourneyStarter {
  readonly begun: AuthorizationRequest[] = [];
  /** the correlation id of each journey, as the engine would create it */
  readonly correlationIds: string[] = [];
  completion?: JourneyCompletion;
  authTime = Math.floor(Date.now() / 1000);

  constructor(private readonly catalog: FixedCatalog) {
    super();
  }

  ending(request: AuthorizationRequest): JourneyEnding {
    switch (request.loginHint) {
      case 'expired-hint':
        return { kind: 'fail', code: 'AADB2C90208', description: 'The provided id_token_hint parameter is expired.' };
      case 'unregister':
        return { kind: 'complete-after-unregistering' };
      default:
        return { kind: 'complete', subject: SUBJECT, claims: CLAIMS };
    }
  }

  async begin(request: AuthorizationRequest, res: Response): Promise<void> {
    this.begun.push(request);
    if (!this.completion) throw new Error('the harness did not wire the completion');
    const correlationId = randomUUID();
    this.correlationIds.push(correlationId);
    const ending = this.ending(request);
    if (ending.kind === 'fail') {
      return this.completion.fail({ res, request, correlationId, code: ending.code, description: ending.description, ...(ending.error ? { error: ending.error } : {}) });
    }
    if (ending.kind === 'complete-after-unregistering') {
      const app = this.catalog.application(request.clientId);
      if (app) app.redirectUris = [];
      return this.completion.complete({ res, request, correlationId, subject: SUBJECT, claims: CLAIMS, authTime: this.authTime });
    }
    return this.completion.complete({ res, request, correlationId, subject: ending.subject, claims: ending.claims, authTime: this.authTime });
  }
}

/** Real time, moved forward on demand: codes can expire without a test waiting for them. */
export class OffsetClock extends Clock {
  private offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  override nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

export interface ProtocolApp {
  app: INestApplication;
  url: string;
  catalog: FixedCatalog;
  starter: ImmediateStarter;
  clock: OffsetClock;
  config: TesseraConfig;
  database: TestDatabase;
  issuer: string;
  close(): Promise<void>;
}

export function policies(url: string): PolicyDescriptor[] {
  return [
    {
      id: POLICY_ID,
      // B2C's issuer shape, under this server: openid-client can then discover from the issuer itself.
      issuer: `${url}/${POLICY_ID}/v2.0/`,
      idTokenLifetimeSeconds: 3600,
      codeLifetimeSeconds: 300,
      claimsSupported: ['email', 'name', 'newUser', 'extension_role'],
    },
    { id: OTHER_POLICY_ID, issuer: `${url}/${OTHER_POLICY_ID}/v2.0/`, idTokenLifetimeSeconds: 900, codeLifetimeSeconds: 60, claimsSupported: [] },
  ];
}

export function applications(): RegisteredApplication[] {
  return [
    { clientId: 'spa-client', displayName: 'Test SPA', redirectUris: [SPA_REDIRECT, 'https://spa.example.test/other?tenant=a'], responseTypes: ['code', 'id_token', 'code id_token'], requirePkce: true },
    { clientId: 'web-client', displayName: 'Test web app', redirectUris: [WEB_REDIRECT], clientSecret: WEB_SECRET, responseTypes: ['code', 'code id_token'], requirePkce: false },
  ];
}

export interface ProtocolAppOptions {
  dialect?: Dialect;
  /** when given, the JSON log lines are collected here (at info level) instead of discarded */
  logs?: string[];
}

export async function startProtocolApp(options: ProtocolAppOptions = {}): Promise<ProtocolApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-protocol-'));
  const database = await createTestDatabase(options.dialect ?? 'sqlite');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const loaded = loadConfig({
    env: {
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      TESSERA_ADMIN_API_KEY: TEST_ADMIN_KEY,
      KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
      LOG_LEVEL: options.logs ? 'info' : 'silent',
    },
    // The tests send many requests from one address; rate limits are another feature's concern.
    overrides: { rateLimits: { enabled: false } },
    cwd: dataDir,
  });
  const catalog = new FixedCatalog(policies(url), applications());
  const starter = new ImmediateStarter(catalog);
  const clock = new OffsetClock();

  // Global, so the doubles resolve while no engine provides them; overridden as well, so they
  // win once the engine registers its own.
  @Global()
  @Module({
    providers: [
      { provide: PolicyCatalog, useValue: catalog },
      { provide: JourneyStarter, useValue: starter },
    ],
    exports: [PolicyCatalog, JourneyStarter],
  })
  class JourneyDoublesModule {}

  const root = AppModule.forRoot(loaded.config);
  let builder = Test.createTestingModule({ imports: [root, JourneyDoublesModule] });
  const logs = options.logs;
  if (logs) {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = root.imports!.find((m) => (m as { module?: unknown }).module === LoggerModule);
    builder = builder.overrideModule(logger as never).useModule(LoggerModule.forRoot(loggerParams(loaded.config, destination)));
  }
  const moduleRef = await builder
    .overrideProvider(PolicyCatalog)
    .useValue(catalog)
    .overrideProvider(JourneyStarter)
    .useValue(starter)
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  app.useLogger(logs ? app.get(Logger) : false);
  configureApp(app, loaded);
  await app.init();
  starter.completion = app.get(JourneyCompletion);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url,
    catalog,
    starter,
    clock,
    config: loaded.config,
    database,
    issuer: `${url}/${POLICY_ID}/v2.0/`,
    close: async () => {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Fields of the form_post page: its action and hidden inputs, decoded from the HTML. */
export function readFormPost(html: string): { action: string; fields: Record<string, string> } {
  const decode = (s: string) =>
    s.replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;/g, "'").replace(/&#x60;/g, '`').replace(/&amp;/g, '&');
  const action = /<form id="response" method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error('no response form on the page');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[decode(m[1])] = decode(m[2]);
  return { action: decode(action), fields };
}
