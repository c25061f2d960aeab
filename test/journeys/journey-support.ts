import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import type { Dialect } from '../../src/persistence/database';
import { freePort, startTestApp, TEST_ADMIN_KEY, type TestApp } from '../utils/app';
import type { TestDatabase } from '../utils/database';

/**
 * A Tessera running the shipped example policies (copied from `policies/`) with a test
 * application registered, the hint profile `tessera-invitations` reading Tessera's own discovery
 * document, and a relying party whose invitations those policies accept.
 */

export const SHIPPED_POLICIES = resolve(__dirname, '../../policies');
export const CLIENT_ID = 'journey-test-app';
export const RELYING_PARTY = 'journey-test';
export const SIGNUP = 'B2C_1A_signup_invitation';
export const SIGNIN = 'B2C_1A_signin_only';
/** A password the shipped policies accept (three character classes, 8+ characters). */
export const PASSWORD = 'Correct-horse-7';

export interface JourneyApp extends TestApp {
  policiesDir: string;
  redirectUri: string;
}

export interface JourneyAppOptions {
  dialect?: Dialect;
  /** the app's redirect URI (default: a loopback URL nobody listens on; tests read the Location) */
  redirectUri?: string;
  /** where invitation links send the invitee (default: the redirect URI's origin + /signup) */
  signUpUrl?: string;
  linkMode?: 'landing' | 'direct';
  database?: TestDatabase;
  /** an instance of the same deployment: same policies folder, its own port */
  policiesDir?: string;
  /** issuer whose discovery document the hint profile reads (default: this instance) */
  hintIssuerUrl?: string;
  env?: Record<string, string>;
  overrides?: Record<string, unknown>;
}

/** The shipped policies with `applications.yaml` replaced by one registering the test app. */
export function policiesFolder(redirectUri: string, extraFiles: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-journey-policies-'));
  for (const name of readdirSync(SHIPPED_POLICIES)) {
    if (name !== 'applications.yaml') copyFileSync(join(SHIPPED_POLICIES, name), join(dir, name));
  }
  writeFileSync(
    join(dir, 'applications.yaml'),
    `applications:\n  - clientId: ${CLIENT_ID}\n    displayName: Journey test app\n    redirectUris: ['${redirectUri}']\n    responseTypes: [code, id_token, code id_token]\n`,
  );
  for (const [name, text] of Object.entries(extraFiles)) writeFileSync(join(dir, name), text);
  return dir;
}

export async function startJourneyApp(options: JourneyAppOptions = {}): Promise<JourneyApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/callback';
  const policiesDir = options.policiesDir ?? policiesFolder(redirectUri);
  const ownFolder = options.policiesDir === undefined;
  const app = await startTestApp({
    dialect: options.dialect ?? 'sqlite',
    port,
    ...(options.database ? { database: options.database } : {}),
    ...(options.env ? { env: options.env } : {}),
    overrides: {
      journeys: {
        policiesDir,
        // Cheap hashing for tests; the bench measures the real cost.
        passwordHashing: { cost: 1024, blockSize: 8, parallelization: 1 },
      },
      hintProfiles: [
        {
          id: 'tessera-invitations',
          kind: 'metadata',
          metadataUrl: `${options.hintIssuerUrl ?? url}/.well-known/openid-configuration`,
          audience: CLIENT_ID,
          allowHttp: true,
        },
      ],
      relyingParties: [
        {
          id: RELYING_PARTY,
          displayName: 'Journey Test',
          audience: CLIENT_ID,
          signUpUrl: options.signUpUrl ?? `${new URL(redirectUri).origin}/signup`,
          linkMode: options.linkMode ?? 'direct',
        },
      ],
      rateLimits: { public: { limit: 100000 } },
      ...options.overrides,
    },
  });
  return {
    ...app,
    policiesDir,
    redirectUri,
    close: async () => {
      await app.close();
      if (ownFolder) rmSync(policiesDir, { recursive: true, force: true });
    },
  };
}

export interface Invitation {
  id: string;
  email: string;
  link: string;
  hint: string;
  jti?: string;
}

/** Creates an invitation through the admin API; in direct mode its link carries the hint. */
export async function invite(app: TestApp, email: string, extra: Record<string, unknown> = {}): Promise<Invitation> {
  const res = await request(app.url).post('/api/invitations').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).send({ email, relyingParty: RELYING_PARTY, send: false, ...extra });
  if (res.status !== 201) throw new Error(`invitation not created: ${res.status} ${JSON.stringify(res.body)}`);
  const link = res.body.link as string;
  const hint = new URL(link).searchParams.get('id_token_hint') ?? '';
  return { id: res.body.id, email, link, hint };
}

/** The hidden fields and the action of the page's form. */
export function formOf(html: string): { action: string; csrf: string; step: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  const step = /name="step" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf || !step) throw new Error(`no journey form in the page:\n${html.slice(0, 2000)}`);
  return { action: decodeEntities(action), csrf, step };
}

export function decodeEntities(text: string): string {
  return text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** The value of the `<input id="field-…">` of a claim, as the page shows it. */
export function fieldValue(html: string, claimType: string): string | undefined {
  const input = new RegExp(`<input id="field-${claimType}"[^>]*>`).exec(html)?.[0];
  const value = input && /value="([^"]*)"/.exec(input)?.[1];
  return value === undefined ? undefined : decodeEntities(value);
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}
