'use strict';
// Invitations created per second over HTTP — RS256 hint signed at creation (direct mode),
// persisted with its token version and events, and its email queued in the outbox — as a ratio
// of bare in-process jose RS256 signing measured in the same run (target ≥ 0.5, issue
// "Invitations"). The outbox worker is off so the run measures creation, not delivery. A
// landing-mode figure (no signing at creation) is reported alongside, without a target.
const { generateKeyPairSync, randomUUID } = require('node:crypto');
const autocannon = require('autocannon');

const RELYING_PARTIES = [
  {
    id: 'bench-direct',
    displayName: 'Bench Direct',
    audience: 'bench-audience',
    signUpUrl: 'https://signup.example.com/join',
    linkMode: 'direct',
    claims: [{ name: 'role', type: 'string' }],
  },
  {
    id: 'bench-landing',
    displayName: 'Bench Landing',
    audience: 'bench-audience',
    signUpUrl: 'https://signup.example.com/join',
    claims: [{ name: 'role', type: 'string' }],
  },
];

/** Creations per second; every request a new invitee, every answer must be a 201. */
async function createRate(url, key, relyingParty, durationSeconds) {
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const result = await autocannon({
    url: `${url}/api/invitations`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    duration: durationSeconds,
    connections: 10,
    pipelining: 1,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ email: `bench-${run}-${n++}@example.com`, name: 'Bench Invitee', relyingParty, claims: { role: 'member' } }),
        }),
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`POST /api/invitations (${relyingParty}): ${bad} of ${result.requests.total} requests failed`);
  return result.requests.average;
}

exports.run = async function run(h) {
  const jose = await import('jose');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = { email: 'someone@example.com', name: 'Bench Invitee', role: 'member' };
  const bare = async () => {
    const now = Math.floor(Date.now() / 1000);
    await new jose.SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'JWT' })
      .setIssuer('https://issuer.example.com')
      .setAudience('bench-audience')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 7 * 24 * 3600)
      .sign(privateKey);
  };

  const app = await h.startApp(
    {},
    {
      relyingParties: RELYING_PARTIES,
      mail: { workerEnabled: false, from: 'Bench <invitations@bench.example.com>' },
      rateLimits: { enabled: false },
    },
  );
  try {
    // Warm the app (key load, statement caches, and the JIT: a server's first seconds under load
    // run ~15% slower than the steady state a running service is in) before measuring.
    await createRate(app.url, h.BENCH_ADMIN_KEY, 'bench-direct', 2);
    await createRate(app.url, h.BENCH_ADMIN_KEY, 'bench-landing', 1);
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const baseline = [];
    const direct = [];
    const landing = [];
    // Alternate in short slices so drift on a shared machine hits both sides alike.
    for (let i = 0; i < 4; i++) {
      baseline.push(await h.opsPerSecond(bare, { seconds: 1.5 }));
      direct.push(await createRate(app.url, h.BENCH_ADMIN_KEY, 'bench-direct', 2));
      landing.push(await createRate(app.url, h.BENCH_ADMIN_KEY, 'bench-landing', 2));
    }
    return [
      h.result('POST /api/invitations (RS256 direct, persisted, mail queued)', 'invitations/s', avg(direct), avg(baseline), 0.5),
      h.result('POST /api/invitations (landing mode, persisted, mail queued)', 'invitations/s', avg(landing), avg(baseline)),
    ];
  } finally {
    await app.close();
  }
};
