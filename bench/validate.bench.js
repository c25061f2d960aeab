'use strict';
// Hint validation over HTTP: POST /api/hints/validate with an RS256 token against a metadata
// profile whose discovery document and JWKS are already cached, as a ratio of bare in-process
// jose verification (jwtVerify, same public key, same checks) in the same run (target ≥ 0.5,
// issue "the consumer").
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

exports.run = async function run(h) {
  const jose = await import('jose');
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const kid = 'bench-key-1';
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  // The issuer answers only the first validation (the cache stays warm after), so it can share
  // this process with the load generator without skewing the numbers.
  const port = await h.freePort();
  const issuerUrl = `http://127.0.0.1:${port}`;
  const issuer = http.createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: issuerUrl, jwks_uri: `${issuerUrl}/keys` }
        : req.url === '/keys'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise((resolve) => issuer.listen(port, '127.0.0.1', resolve));

  const audience = 'bench-signup';
  const now = Math.floor(Date.now() / 1000);
  const token = await new jose.SignJWT({ email: 'someone@example.com', name: 'Some One', jti: 'bench-jti' })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuerUrl)
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);

  const app = await h.startApp(
    {},
    {
      hintProfiles: [
        {
          id: 'bench',
          kind: 'metadata',
          metadataUrl: `${issuerUrl}/.well-known/openid-configuration`,
          audience,
          allowHttp: true,
          outputClaims: [{ claimType: 'email', required: true }, { claimType: 'displayName', partnerClaimType: 'name' }],
        },
      ],
      // The throughput of the validator is measured, not the per-client budget in front of it.
      rateLimits: { enabled: false },
    },
  );
  try {
    const request = {
      method: 'POST',
      path: '/api/hints/validate',
      headers: { authorization: `Bearer ${h.BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'bench', id_token_hint: token }),
    };
    // Warm the discovery and JWKS caches, and make sure the route really validates.
    const warm = await fetch(app.url + request.path, { method: 'POST', headers: request.headers, body: request.body });
    const warmBody = await warm.json();
    if (warm.status !== 200 || warmBody.claims.email !== 'someone@example.com') {
      throw new Error(`warm-up validation failed: ${warm.status} ${JSON.stringify(warmBody)}`);
    }

    const bare = () => jose.jwtVerify(token, publicKey, { algorithms: ['RS256'], issuer: issuerUrl, audience, requiredClaims: ['exp', 'nbf'] });
    // And the JIT, to the steady state of a running service (the first seconds run slower).
    await h.load(app.url, { ...request, durationSeconds: 2 });
    const baseline = [];
    const value = [];
    // Alternate in short slices so drift on a shared machine hits both sides alike.
    for (let i = 0; i < 4; i++) {
      baseline.push(await h.opsPerSecond(bare, { seconds: 1.5 }));
      value.push(await h.load(app.url, { ...request, durationSeconds: 2 }));
    }
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

    // Informational: the validator itself, in-process with the same profile, against the same
    // baseline. It tells the validator's own cost apart from the HTTP stack's in front of it.
    const inProcess = await validatorInProcess(h, issuerUrl, audience);
    const direct = await h.opsPerSecond(() => inProcess.validate('bench', token), { seconds: 3 });
    const directBaseline = await h.opsPerSecond(bare, { seconds: 3 });

    return [
      h.result('POST /api/hints/validate (RS256, metadata profile, warm cache)', 'validations/s', avg(value), avg(baseline), 0.5),
      h.result('HintValidatorService.validate in-process (same profile, informational)', 'validations/s', direct, directBaseline),
    ];
  } finally {
    await app.close();
    await new Promise((resolve) => issuer.close(resolve));
  }
};

/** The validator built from the compiled modules, wired as ValidationModule wires it. */
async function validatorInProcess(h, issuerUrl, audience) {
  require('reflect-metadata');
  const dist = (p) => require(path.join(h.ROOT, 'dist', p));
  const { loadConfig } = dist('config/config.loader');
  const { Clock } = dist('common/clock');
  const { OutboundHttp } = dist('common/outbound-http.service');
  const { HintProfileRegistry } = dist('validation/hint-profile.registry');
  const { IssuerMetadataService } = dist('validation/issuer-metadata.service');
  const { HintValidatorService } = dist('validation/hint-validator.service');
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-validate-'));
  try {
    const { config } = loadConfig({
      env: {},
      cwd,
      overrides: {
        hintProfiles: [{ id: 'bench', kind: 'metadata', metadataUrl: `${issuerUrl}/.well-known/openid-configuration`, audience, allowHttp: true, outputClaims: [{ claimType: 'email', required: true }] }],
      },
    });
    const clock = new Clock();
    return new HintValidatorService(new HintProfileRegistry(config), new IssuerMetadataService(new OutboundHttp(), clock), clock);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
