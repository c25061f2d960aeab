'use strict';
// Minting in-process through TokensService, as a ratio of bare jose RS256 signing with the
// same private key and an equivalent payload (target ≥ 0.9, issue "Foundation").
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

exports.run = async function run(h) {
  require('reflect-metadata');
  const { NestFactory } = require('@nestjs/core');
  const { AppModule } = require(path.join(h.ROOT, 'dist', 'app.module'));
  const { loadConfig } = require(path.join(h.ROOT, 'dist', 'config', 'config.loader'));
  const { TokensService } = require(path.join(h.ROOT, 'dist', 'tokens', 'tokens.service'));
  const { KeyStoreService } = require(path.join(h.ROOT, 'dist', 'keys', 'key-store.service'));
  const jose = await import('jose');

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-mint-'));
  const { config } = loadConfig({
    env: { DATA_DIR: dataDir, KEYSTORE_PASSPHRASE: 'bench-keystore-passphrase', LOG_LEVEL: 'silent', PUBLIC_URL: 'https://issuer.example.com' },
    cwd: dataDir,
  });
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  try {
    await ctx.init();
    const tokens = ctx.get(TokensService);
    const keys = ctx.get(KeyStoreService);
    const key = await keys.getActiveSigningKey('RS256');
    const claims = { email: 'someone@example.com', name: 'Some One' };

    const bare = async () => {
      const now = Math.floor(Date.now() / 1000);
      await new jose.SignJWT({ ...claims, jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...(key.x5t ? { x5t: key.x5t } : {}) })
        .setIssuer(config.issuer)
        .setAudience('bench-audience')
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 3600)
        .sign(key.privateKey);
    };
    const minted = () => tokens.mint({ audience: 'bench-audience', claims, lifetimeSeconds: 3600 });

    const baseline = [];
    const value = [];
    for (let i = 0; i < 2; i++) {
      baseline.push(await h.opsPerSecond(bare, { seconds: 2 }));
      value.push(await h.opsPerSecond(minted, { seconds: 2 }));
    }
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [h.result('mint RS256 (TokensService)', 'tokens/s', avg(value), avg(baseline), 0.9)];
  } finally {
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
