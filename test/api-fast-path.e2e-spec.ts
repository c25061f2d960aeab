import { request as httpRequest } from 'node:http';
import { AccessGuard } from '../src/auth/access.guard';
import { ApiKeysService, CLI_PRINCIPAL } from '../src/auth/api-keys.service';
import { claimsAt, signRaw } from '../src/validation/hint-validator.test-utils';
import { startTestApp, TEST_ADMIN_KEY, type TestApp, type TestAppOptions } from './utils/app';

const SECRET = 'partner portal shared secret, 32+ bytes';
const ISSUER = 'https://portal.example.com';
const AUDIENCE = 'b2c-signup';

const SETTINGS = {
  hintProfiles: [
    { id: 'partner', kind: 'symmetric', issuer: ISSUER, audience: AUDIENCE, secret: SECRET, outputClaims: [{ claimType: 'email', required: true }, { claimType: 'displayName', partnerClaimType: 'name' }] },
  ],
  relyingParties: [
    {
      id: 'contoso',
      displayName: 'Contoso Portal',
      audience: 'contoso-audience',
      signUpUrl: 'https://signup.example.com/join',
      claims: [{ name: 'role', type: 'string' }],
      allowedEmailDomains: ['example.com'],
    },
  ],
  mail: { workerEnabled: false, from: 'Invitations <invitations@example.com>' },
  bodyLimit: '2kb',
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP exchange: the body and headers exactly as given, the answer exactly as sent. */
function exchange(base: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What must not differ between the paths: everything but the per-connection and per-second headers. */
function comparable(answer: Answer, volatile: (body: string) => string = (b) => b) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, 'x-ratelimit-reset': reset, ...headers } = answer.headers;
  return { status: answer.status, headers: { ...headers, 'x-ratelimit-reset': reset === undefined ? undefined : 'present' }, body: volatile(answer.body) };
}

/**
 * The API fast path (src/http/api-fast-path.ts) against the Express/Nest path it stands in front
 * of: two applications with the same settings, one of them without the fast path, get the same
 * requests; every answer must be the same, byte for byte, save the headers that name the moment.
 * The access guard is watched to prove the fast application really answered on its own.
 */
describe('API fast path', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const hint = (extra: Record<string, unknown> = {}, at = now()) =>
    signRaw(new TextEncoder().encode(SECRET), { alg: 'HS256', typ: 'JWT' }, claimsAt(at, ISSUER, AUDIENCE, { email: 'ada@example.com', name: 'Ada', ...extra }));

  async function pair(overrides: Record<string, unknown> = {}) {
    const options: TestAppOptions = { overrides: { ...SETTINGS, ...overrides } };
    const fast = await startTestApp(options);
    const express = await startTestApp({ ...options, apiFastPath: false });
    return { fast, express };
  }

  /**
   * A pair for the suite it is called in, and a watch on the access guard per test: only the
   * Express path calls it.
   */
  function pairForSuite(onStart?: (apps: { fast: TestApp; express: TestApp }) => Promise<void>) {
    const ctx = {} as { fast: TestApp; express: TestApp; guard: jest.SpyInstance };
    beforeAll(async () => {
      Object.assign(ctx, await pair());
      await onStart?.(ctx);
    });
    afterAll(async () => {
      await ctx.fast?.close();
      await ctx.express?.close();
    });
    beforeEach(() => {
      ctx.guard = jest.spyOn(AccessGuard.prototype, 'canActivate');
    });
    afterEach(() => ctx.guard.mockRestore());
    return ctx;
  }

  async function readOnlyKey(t: TestApp): Promise<string> {
    return (await t.app.get(ApiKeysService).create({ name: 'reader', scopes: ['invitations:read'] }, CLI_PRINCIPAL)).key;
  }

  describe('POST /api/hints/validate', () => {
    const keys: Record<'fast' | 'express', string> = { fast: '', express: '' };
    const apps = pairForSuite(async ({ fast, express }) => {
      keys.fast = await readOnlyKey(fast);
      keys.express = await readOnlyKey(express);
    });

    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const json = { 'content-type': 'application/json', ...admin };
    const PARSER_REFUSALS = ['malformed JSON', 'JSON string', 'over the limit', 'charset other'];
    const cases: [string, (key: string) => Record<string, string>, () => Promise<string | Buffer> | string | Buffer][] = [
      ['a good token', () => json, async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint() })],
      ['a good token, with a query string and charset', () => ({ ...json, 'content-type': 'application/json; charset=UTF-8' }), async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint() })],
      ['an expired token', () => json, async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint({}, now() - 7200) })],
      ['an unknown profile', () => json, async () => JSON.stringify({ profile: 'nobody', id_token_hint: await hint() })],
      ['a missing field', () => json, () => JSON.stringify({ profile: 'partner' })],
      ['a field the DTO does not know', () => json, async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint(), extra: 1 })],
      ['a field of the wrong type', () => json, () => JSON.stringify({ profile: 7, id_token_hint: [] })],
      ['a NUL character', () => json, async () => JSON.stringify({ profile: 'part\u0000ner', id_token_hint: await hint() })],
      ['malformed JSON', () => json, () => '{"profile": '],
      ['a JSON string instead of an object', () => json, () => '"partner"'],
      ['a JSON array instead of an object', () => json, () => '[1, 2]'],
      ['an empty body', () => json, () => ''],
      ['a body with a byte-order mark', () => json, async () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ profile: 'partner', id_token_hint: await hint() }))])],
      ['a body over the limit', () => json, () => JSON.stringify({ profile: 'partner', id_token_hint: 'x'.repeat(4096) })],
      ['a charset other than UTF-8', () => ({ ...json, 'content-type': 'application/json; charset=latin1' }), () => '{}'],
      ['no key', () => ({ 'content-type': 'application/json' }), async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint() })],
      ['an unknown key', () => ({ ...json, authorization: 'Bearer tsk_nope_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }), () => '{}'],
      ['a key without the scope', (key) => ({ ...json, authorization: `Bearer ${key}` }), async () => JSON.stringify({ profile: 'partner', id_token_hint: await hint() })],
    ];

    it.each(cases)('answers %s exactly as the Express path does', async (name, headersFor, makeBody) => {
      const body = await makeBody();
      const path = name.includes('query string') ? '/api/hints/validate?trace=1' : '/api/hints/validate';
      const viaFast = await exchange(apps.fast.url, path, headersFor(keys.fast), body);
      expect(apps.guard).not.toHaveBeenCalled();
      const viaExpress = await exchange(apps.express.url, path, headersFor(keys.express), body);
      // A body the parser refuses never reaches the guards on the Express path; the fast path
      // shows itself there by counting the answer under its route (Express cannot tell the route
      // of a request it refused before routing, and counts it as unmatched).
      if (PARSER_REFUSALS.some((refusal) => name.includes(refusal))) {
        expect(apps.guard).not.toHaveBeenCalled();
        const metrics = await (await fetch(`${apps.fast.url}/metrics`)).text();
        expect(metrics).toContain(`route="/api/hints/validate",status="${viaFast.status}"`);
      } else {
        expect(apps.guard).toHaveBeenCalled();
      }
      expect(comparable(viaFast)).toEqual(comparable(viaExpress));
      // Not vacuous: the answers carry what each case is about.
      expect(viaFast.status).toBe(
        name.startsWith('a good token') || name.includes('byte-order')
          ? 200
          : name.includes('no key') || name.includes('unknown key')
            ? 401
            : name.includes('without the scope')
              ? 403
              : name.includes('over the limit')
                ? 413
                : name.includes('charset other')
                  ? 415
                  : 400,
      );
    });

    it('leaves other bodies, methods and spellings of the path to Express', async () => {
      const token = await hint();
      const form = await exchange(apps.fast.url, '/api/hints/validate', { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, `profile=partner&id_token_hint=${token}`);
      expect(form.status).toBe(200);
      const slash = await exchange(apps.fast.url, '/api/hints/validate/', json, JSON.stringify({ profile: 'partner', id_token_hint: token }));
      expect(slash.status).toBe(200);
      expect(apps.guard).toHaveBeenCalledTimes(2);
    });
  });

  describe('POST /api/invitations', () => {
    const apps = pairForSuite();

    const json = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` };
    // Ids, codes, links and times differ between any two creations; their shape must not.
    const masked = (body: string) =>
      body
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
        .replace(/http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]+/g, '<base>/invite/<code>')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');

    it.each([
      ['a new invitation', { email: 'ada@example.com', name: 'Ada', relyingParty: 'contoso', claims: { role: 'member' } }, 201],
      ['a second live invitation for the same person', { email: 'ada@example.com', relyingParty: 'contoso' }, 409],
      ['a malformed email', { email: 'not an email', relyingParty: 'contoso' }, 400],
      ['an email outside the allowed domains', { email: 'ada@elsewhere.org', relyingParty: 'contoso' }, 400],
      ['an unknown relying party', { email: 'bob@example.com', relyingParty: 'nobody' }, 400],
      ['a claim not allowed', { email: 'bob@example.com', relyingParty: 'contoso', claims: { admin: true } }, 400],
      ['a registered claim name', { email: 'bob@example.com', relyingParty: 'contoso', claims: { iss: 'x' } }, 400],
      ['a lifetime over the cap', { email: 'bob@example.com', relyingParty: 'contoso', expiresIn: 10 * 365 * 24 * 3600 }, 400],
    ])('answers %s exactly as the Express path does', async (_name, body, status) => {
      const viaFast = await exchange(apps.fast.url, '/api/invitations', json, JSON.stringify(body));
      expect(apps.guard).not.toHaveBeenCalled();
      const viaExpress = await exchange(apps.express.url, '/api/invitations', json, JSON.stringify(body));
      expect(apps.guard).toHaveBeenCalled();
      expect(viaFast.status).toBe(status);
      // The ETag and length follow the body, which differs in its ids: compared through the body.
      const strip = ({ etag: _etag, 'content-length': _length, ...headers }: Answer['headers']) => headers;
      const a = comparable(viaFast, masked);
      const b = comparable(viaExpress, masked);
      expect({ ...a, headers: strip(a.headers) }).toEqual({ ...b, headers: strip(b.headers) });
    });

    it('records the invitation and queues its email on the fast path as on the other', async () => {
      const created = await exchange(apps.fast.url, '/api/invitations', json, JSON.stringify({ email: 'carol@example.com', relyingParty: 'contoso' }));
      expect(created.status).toBe(201);
      const invitation = JSON.parse(created.body) as { id: string };
      const detail = await fetch(`${apps.fast.url}/api/invitations/${invitation.id}`, { headers: { authorization: json.authorization } });
      const events = ((await detail.json()) as { events: { type: string; actor: string }[] }).events;
      expect(events.map((e) => [e.type, e.actor])).toEqual([
        ['created', 'env'],
        ['sent', 'env'],
      ]);
    });
  });

  describe('rate limits', () => {
    it('counts fast-path requests against the same budget, with the same headers and 429', async () => {
      const { fast, express } = await pair({ rateLimits: { validate: { limit: 2, windowSeconds: 60 } } });
      try {
        const body = JSON.stringify({ profile: 'partner', id_token_hint: await hint() });
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` };
        const answers = { fast: [] as Answer[], express: [] as Answer[] };
        for (let i = 0; i < 3; i++) {
          answers.fast.push(await exchange(fast.url, '/api/hints/validate', headers, body));
          answers.express.push(await exchange(express.url, '/api/hints/validate', headers, body));
        }
        expect(answers.fast.map((a) => a.status)).toEqual([200, 200, 429]);
        expect(answers.fast.map((a) => comparable(a))).toEqual(answers.express.map((a) => comparable(a)));
        expect(answers.fast[2].headers['retry-after']).toBeDefined();
        // One budget per key and route, whichever path a request takes: the Express spelling of
        // the path is refused too once the fast path has spent it.
        const slash = await exchange(fast.url, '/api/hints/validate/', headers, body);
        expect(slash.status).toBe(429);
      } finally {
        await fast.close();
        await express.close();
      }
    });
  });
});
