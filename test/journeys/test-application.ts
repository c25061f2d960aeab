import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';

/**
 * The relying party of the browser tests: a web application on loopback that signs users in
 * with `openid-client` (authorization code flow with PKCE and nonce), as a real application
 * would. `/signup` is the relying party's sign-up URL: it passes the invitation's
 * `id_token_hint` on to the sign-up policy. `/signin` starts the sign-in policy. `/callback`
 * is the redirect URI; it redeems the code and keeps what it received.
 */

export interface SignedIn {
  policy: string;
  claims: client.IDToken;
  idToken: string;
}

interface Pending {
  policy: string;
  verifier: string;
  state: string;
  nonce: string;
}

export class TestApplication {
  readonly signIns: SignedIn[] = [];
  readonly failures: { error: string; description: string | null }[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly configurations = new Map<string, Promise<client.Configuration>>();
  private tessera = '';

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly clientId: string,
    private readonly policies: { signUp: string; signIn: string },
  ) {}

  static async start(clientId: string, policies: { signUp: string; signIn: string }): Promise<TestApplication> {
    let self: TestApplication | undefined;
    const server = createServer((req, res) => {
      self!.handle(req.url ?? '/').then(
        (reply) => {
          res.writeHead(reply.status, { 'content-type': 'text/html; charset=utf-8', ...(reply.location ? { location: reply.location } : {}) });
          res.end(reply.body ?? '');
        },
        (e: unknown) => {
          self!.failures.push({ error: 'application_error', description: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
          res.writeHead(500, { 'content-type': 'text/plain' }).end('the test application failed');
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self = new TestApplication(server, url, clientId, policies);
    return self;
  }

  get redirectUri(): string {
    return `${this.url}/callback`;
  }

  /** Tessera's base URL: known only once Tessera runs, which is after this app. */
  useTessera(url: string): void {
    this.tessera = url;
  }

  /** The policy's metadata, through OpenID Connect Discovery, as an application reads it. */
  private configuration(policy: string): Promise<client.Configuration> {
    let config = this.configurations.get(policy);
    if (!config) {
      // Plain HTTP only because everything runs on loopback in this test.
      config = client.discovery(new URL(`${this.tessera}/${policy}/v2.0/`), this.clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
      this.configurations.set(policy, config);
    }
    return config;
  }

  private async handle(path: string): Promise<{ status: number; location?: string; body?: string }> {
    const url = new URL(path, this.url);
    if (url.pathname === '/signup' || url.pathname === '/signin') {
      const policy = url.pathname === '/signup' ? this.policies.signUp : this.policies.signIn;
      const verifier = client.randomPKCECodeVerifier();
      const pending: Pending = { policy, verifier, state: client.randomState(), nonce: client.randomNonce() };
      this.pending.set(pending.state, pending);
      const hint = url.searchParams.get('id_token_hint');
      const authorize = client.buildAuthorizationUrl(await this.configuration(policy), {
        redirect_uri: this.redirectUri,
        scope: 'openid',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...(hint ? { id_token_hint: hint } : {}),
      });
      return { status: 302, location: authorize.href };
    }
    if (url.pathname === '/callback') {
      const pending = this.pending.get(url.searchParams.get('state') ?? '');
      if (url.searchParams.has('error')) {
        this.failures.push({ error: url.searchParams.get('error')!, description: url.searchParams.get('error_description') });
        return { status: 200, body: `<h1>Sign-in failed</h1><p id="error">${escape(url.searchParams.get('error_description') ?? '')}</p>` };
      }
      if (!pending) return { status: 400, body: 'unknown state' };
      this.pending.delete(pending.state);
      const tokens = await client.authorizationCodeGrant(await this.configuration(pending.policy), url, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      this.signIns.push({ policy: pending.policy, claims, idToken: tokens.id_token! });
      return { status: 200, body: `<h1>Signed in</h1><p id="subject">${escape(String(claims.sub))}</p><p id="email">${escape(String(claims.email))}</p>` };
    }
    return { status: 404, body: 'not found' };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
