import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Clock, FixedClock } from '../../src/common/clock';
import { KeyStoreService } from '../../src/keys/key-store.service';
import { OutboxWorker } from '../../src/mail/outbox.worker';
import type { Dialect } from '../../src/persistence/database';
import { SmtpTestServer } from '../mail/smtp-test-server';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../utils/app';
import type { TestDatabase } from '../utils/database';

/** The default From (`no-reply@<PUBLIC_URL host>`) is not an address when the host is 127.0.0.1. */
export const MAIL_FROM = 'Tessera <invitations@tessera.test>';
export const AUTH = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
export const HS256_SECRET_NAME = 'b2c-invite';
/** 40 ASCII characters: B2C signs with the UTF-8 bytes of the policy key, at least 32 of them. */
export const HS256_SECRET = 'b2c-invitation-policy-key-0123456789abcd';

export const B2C_SIGN_UP_URL =
  'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1A_SIGNUP_INVITATION/oauth2/v2.0/authorize' +
  '?client_id=63ba0d17-c4ba-47fd-89e9-31b3c2734339&redirect_uri=https%3A%2F%2Fjwt.ms&scope=openid&response_type=id_token&nonce={nonce}';

/** The relying parties most suites use: landing RSA (B2C), direct RSA, landing HS256. */
export const RELYING_PARTIES = [
  {
    id: 'contoso',
    displayName: 'Contoso Portal',
    audience: '63ba0d17-c4ba-47fd-89e9-31b3c2734339',
    signUpUrl: B2C_SIGN_UP_URL,
    claims: [
      { name: 'role', type: 'string' },
      { name: 'teams', type: 'string[]' },
      { name: 'seats', type: 'integer' },
    ],
  },
  {
    id: 'direct-app',
    displayName: 'Direct App',
    audience: 'direct-app-audience',
    signUpUrl: 'https://direct.example.com/signup?lang={locale}',
    linkMode: 'direct',
    maxInvitationLifetimeSeconds: 14 * 24 * 3600,
    mail: { subject: 'Your Direct App invitation' },
  },
  {
    id: 'hs-app',
    displayName: 'Shared Secret App',
    audience: 'hs-app-audience',
    signing: { alg: 'HS256', secret: HS256_SECRET_NAME },
    signUpUrl: 'https://hs.example.com/join',
    allowedEmailDomains: ['example.com', '*.example.org'],
    defaultLocale: 'ko',
  },
];

export interface InvitationsTestApp extends TestApp {
  smtp: SmtpTestServer;
  clock?: FixedClock;
  /** Delivers everything queued (the worker's own loop is off in these tests). */
  deliver(): Promise<void>;
}

export interface StartOptions {
  dialect?: Dialect;
  database?: TestDatabase;
  relyingParties?: unknown[];
  /** Pin the app's clock here (at the real time when started) so a test can move it. */
  fixedClock?: boolean;
  env?: Record<string, string>;
  /** further structured settings (merged over the test defaults) */
  overrides?: Record<string, unknown>;
}

/**
 * A real Tessera with the test relying parties, sending mail to a real SMTP server in this
 * process; the HS256 secret is created before the app listens.
 */
export async function startInvitationsApp(options: StartOptions = {}): Promise<InvitationsTestApp> {
  const smtp = await SmtpTestServer.start();
  let clock: FixedClock | undefined;
  try {
    const t = await startTestApp({
      dialect: options.dialect,
      database: options.database,
      env: { SMTP_URL: smtp.url, ...options.env },
      overrides: { relyingParties: options.relyingParties ?? RELYING_PARTIES, mail: { workerEnabled: false, from: MAIL_FROM }, ...options.overrides },
      beforeListen: async (app) => {
        if (options.fixedClock) clock = pinClock(app);
        await app.get(KeyStoreService).setHmacSecret(HS256_SECRET_NAME, HS256_SECRET);
      },
    });
    return {
      ...t,
      smtp,
      clock,
      deliver: async () => {
        await t.app.get(OutboxWorker).drainOnce();
      },
      close: async () => {
        await t.close();
        await smtp.close();
      },
    };
  } catch (e) {
    await smtp.close();
    throw e;
  }
}

/**
 * Makes the app's one Clock (a global provider, already injected everywhere) read a FixedClock:
 * the clock is the I/O edge these tests are about, and the app offers no other seam.
 */
export function pinClock(app: INestApplication): FixedClock {
  const fixed = new FixedClock(Date.now());
  const clock = app.get(Clock);
  clock.now = () => fixed.now();
  clock.nowSeconds = () => fixed.nowSeconds();
  return fixed;
}

export async function createInvitation(t: TestApp, body: Record<string, unknown>): Promise<request.Response> {
  return request(t.url).post('/api/invitations').set(AUTH).send(body);
}

/** The first http(s) link in a text part that points at `prefix`. */
export function linkIn(text: string | undefined, prefix: string): string {
  const found = (text ?? '').match(/https?:\/\/[^\s<>"]+/g)?.find((u) => u.startsWith(prefix));
  if (!found) throw new Error(`no link starting with ${prefix} in:\n${text}`);
  return found;
}

/** Extracts the hidden CSRF field of the landing form. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field in the page');
  return m[1];
}
