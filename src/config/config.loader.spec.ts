import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../common/errors';
import { loadConfig } from './config.loader';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-config-'));
}

describe('loadConfig', () => {
  it('starts on embedded defaults and warns about each development default', () => {
    const cwd = tempDir();
    const { config, warnings } = loadConfig({ env: {}, cwd });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.databaseKind).toBe('sqlite');
    expect(config.databaseUrl).toBe(join(cwd, 'data', 'tessera.sqlite'));
    expect(warnings.join('\n')).toMatch(/SQLite/);
    expect(warnings.join('\n')).toMatch(/SMTP_URL/);
    expect(warnings.join('\n')).toMatch(/plain HTTP/);
  });

  it('takes PUBLIC_URL without a trailing slash and derives the issuer from it', () => {
    const { config } = loadConfig({ env: { PUBLIC_URL: 'https://id.example.com/', PORT: '8080' }, cwd: tempDir() });
    expect(config.publicUrl).toBe('https://id.example.com');
    expect(config.issuer).toBe('https://id.example.com');
    expect(config.port).toBe(8080);
  });

  it('keeps ISSUER byte for byte, even with a trailing slash', () => {
    const { config } = loadConfig({ env: { PUBLIC_URL: 'https://id.example.com', ISSUER: 'https://id.example.com/' }, cwd: tempDir() });
    expect(config.issuer).toBe('https://id.example.com/');
  });

  it('lets the environment win over the YAML file', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'tessera.yaml'), 'port: 4000\npublicUrl: https://yaml.example.com\ndiscovery:\n  maxAgeSeconds: 60\n');
    const { config, configFile } = loadConfig({ env: { PUBLIC_URL: 'https://env.example.com' }, cwd });
    expect(configFile).toBe(join(cwd, 'tessera.yaml'));
    expect(config.port).toBe(4000);
    expect(config.publicUrl).toBe('https://env.example.com');
    expect(config.discovery.maxAgeSeconds).toBe(60);
  });

  it('takes mail sender, metrics token, proxy trust and the rate-limit switch from the environment too', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'tessera.yaml'), 'mail:\n  workerEnabled: false\nrateLimits:\n  admin:\n    limit: 5\n');
    const { config } = loadConfig({
      env: {
        MAIL_FROM: 'Invitations <invitations@example.com>',
        METRICS_BEARER_TOKEN: 'a-long-random-scrape-token',
        TRUST_PROXY: '1',
        RATE_LIMITS_ENABLED: 'false',
      },
      cwd,
    });
    expect(config.mail.from).toBe('Invitations <invitations@example.com>');
    expect(config.mail.workerEnabled).toBe(false);
    expect(config.metrics.bearerToken).toBe('a-long-random-scrape-token');
    expect(config.trustProxy).toBe(1);
    expect(config.rateLimits.enabled).toBe(false);
    expect(config.rateLimits.admin.limit).toBe(5);
    expect(loadConfig({ env: { TRUST_PROXY: 'loopback, 10.0.0.0/8' }, cwd: tempDir() }).config.trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({ env: { TRUST_PROXY: 'true' }, cwd: tempDir() }).config.trustProxy).toBe(true);
  });

  it('names the setting of a bad value given through the environment', () => {
    let error: unknown;
    try {
      loadConfig({ env: { RATE_LIMITS_ENABLED: 'sometimes', TRUST_PROXY: 'not an address', METRICS_BEARER_TOKEN: 'short' }, cwd: tempDir() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['rateLimits.enabled', 'trustProxy', 'metrics.bearerToken']));
  });

  it('names every bad field in one error', () => {
    const cwd = tempDir();
    const file = join(cwd, 'custom.yaml');
    writeFileSync(file, 'port: seventy\npublicUrl: "not a url"\nkeys:\n  rsaBits: 1024\ntypo: 1\n');
    let error: unknown;
    try {
      loadConfig({ env: { TESSERA_CONFIG: file, TESSERA_ADMIN_API_KEY: 'short' }, cwd });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['port', 'publicUrl', 'keys.rsaBits', 'typo', 'adminApiKey']));
    expect((error as ConfigError).message).toMatch(/5 problems|problems/);
  });

  it('refuses a key retention margin shorter than the key cache, which would unpublish keys still signing elsewhere', () => {
    const cwd = tempDir();
    expect(() => loadConfig({ env: {}, overrides: { keys: { retentionMarginSeconds: 5, cacheTtlSeconds: 10 } }, cwd })).toThrow(
      /keys\.retentionMarginSeconds: must be at least keys\.cacheTtlSeconds \(10\)/,
    );
    expect(loadConfig({ env: {}, overrides: { keys: { retentionMarginSeconds: 10, cacheTtlSeconds: 10 } }, cwd }).config.keys.retentionMarginSeconds).toBe(10);
  });

  it('reports YAML syntax errors and a missing explicit file', () => {
    const cwd = tempDir();
    const bad = join(cwd, 'bad.yaml');
    writeFileSync(bad, 'port: [unclosed\n');
    expect(() => loadConfig({ env: { TESSERA_CONFIG: bad }, cwd })).toThrow(/YAML/);
    expect(() => loadConfig({ env: { TESSERA_CONFIG: join(cwd, 'missing.yaml') }, cwd })).toThrow(/cannot read/);
  });
});
