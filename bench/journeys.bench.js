'use strict';
// Completed sign-up journeys over HTTP, without a browser: invitation hint → authorize (the
// SignUpInvitation page) → the page's form (invitation redeemed, account created) → code →
// token. Measured against what each journey cannot avoid, done in-process in the same run: one
// password hash with the same scrypt parameters, plus the token signatures (the id_token signed,
// the hint's signature verified). Target ≥ 0.7 (issue "journeys").
const { createHash, randomBytes, scrypt } = require('node:crypto');
const { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLIENT_ID = 'bench-app';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const POLICY = 'B2C_1A_signup_invitation';
const PASSWORD = 'Correct-horse-7';
/** The server's default (OWASP's minimum for scrypt): the baseline uses the same. */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, maxmem: 2 * 128 * 2 ** 17 * 8 + 1024 * 1024 };
const CONCURRENCY = 4;
const PER_ROUND = 24;
const ROUNDS = 2;
const WARMUP = 4;

exports.run = async function run(h) {
  const policiesDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-policies-'));
  const shipped = path.join(h.ROOT, 'policies');
  for (const name of readdirSync(shipped)) if (name !== 'applications.yaml') copyFileSync(path.join(shipped, name), path.join(policiesDir, name));
  writeFileSync(
    path.join(policiesDir, 'applications.yaml'),
    `applications:\n  - { clientId: ${CLIENT_ID}, displayName: Bench, redirectUris: ['${REDIRECT_URI}'], responseTypes: [code] }\n`,
  );
  const app = await h.startApp({}, (url) => ({
    journeys: { policiesDir },
    hintProfiles: [{ id: 'tessera-invitations', kind: 'metadata', metadataUrl: `${url}/.well-known/openid-configuration`, audience: CLIENT_ID, allowHttp: true }],
    relyingParties: [{ id: 'bench', displayName: 'Bench', audience: CLIENT_ID, signUpUrl: 'http://127.0.0.1:9/signup', linkMode: 'direct' }],
    // The journeys' throughput is measured, not the per-client budget in front of them.
    rateLimits: { enabled: false },
  }));
  try {
    const hints = await createInvitations(h, app.url, WARMUP + ROUNDS * PER_ROUND);
    const first = await journey(app.url, hints.pop());
    if (typeof first.sub !== 'string' || first.email !== 'invitee-0@bench.example') throw new Error(`the first journey issued unexpected claims: ${JSON.stringify(first)}`);
    for (let i = 1; i < WARMUP; i++) await journey(app.url, hints.pop());

    const unavoidable = await baselineWork(hints[0]);
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const value = [];
    const baseline = [];
    // Alternate and repeat so drift on a shared machine hits both sides alike.
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(await rate(PER_ROUND, () => unavoidable()));
      const batch = hints.splice(0, PER_ROUND);
      value.push(await rate(PER_ROUND, () => journey(app.url, batch.pop())));
    }
    return [h.result('sign-up journey over HTTP (hint → page → form → code → token)', 'journeys/s', avg(value), avg(baseline), 0.7)];
  } finally {
    await app.close();
    rmSync(policiesDir, { recursive: true, force: true });
  }
};

/** `count` operations, `CONCURRENCY` at a time, in operations per second. */
async function rate(count, op) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await op();
      }
    }),
  );
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Invitations through the admin API (direct links: the hint is in the link); their hints. */
async function createInvitations(h, url, count) {
  const hints = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${url}/api/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `invitee-${i}@bench.example`, relyingParty: 'bench', send: false }),
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`invitation not created: ${res.status} ${JSON.stringify(body)}`);
    hints.push(new URL(body.link).searchParams.get('id_token_hint'));
  }
  return hints.reverse();
}

/** One sign-up, as a browser and an application would make it; returns the id_token's claims. */
async function journey(url, hint) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    id_token_hint: hint,
  });
  const page = await fetch(`${url}/${POLICY}/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${html.slice(0, 300)}`);
  const cookie = page.headers.getSetCookie()[0].split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)[1];
  const step = /name="step" value="([^"]+)"/.exec(html)[1];
  const submitted = await fetch(`${url}/${POLICY}/journey`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, step, action: 'continue', newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'Bench Invitee' }),
  });
  await submitted.arrayBuffer();
  const location = submitted.headers.get('location');
  const code = location && new URL(location).searchParams.get('code');
  if (submitted.status !== 303 || !code) throw new Error(`the sign-up page answered ${submitted.status} ${location ?? ''}`);
  const token = await fetch(`${url}/${POLICY}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, code_verifier: verifier }),
  });
  const body = await token.json();
  if (token.status !== 200) throw new Error(`the token endpoint answered ${token.status}: ${JSON.stringify(body)}`);
  return JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString('utf8'));
}

/**
 * What a journey cannot do without, in-process: hash the new password (same scrypt cost as the
 * server), sign an id_token (RS256, 2048-bit key, as the server's), verify the hint's signature.
 */
async function baselineWork(sampleHint) {
  const jose = await import('jose');
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
  const claims = { email: 'invitee@bench.example', name: 'Bench Invitee', tfp: POLICY };
  const hint = await new jose.SignJWT(jose.decodeJwt(sampleHint)).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
  return async () => {
    await new Promise((resolve, reject) => scrypt(PASSWORD, randomBytes(16), 32, SCRYPT, (e, key) => (e ? reject(e) : resolve(key))));
    await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').setSubject('s').setAudience(CLIENT_ID).sign(privateKey);
    await jose.compactVerify(hint, publicKey);
  };
}
