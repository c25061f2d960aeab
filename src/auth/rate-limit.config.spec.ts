import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../common/errors';
import { loadConfig } from '../config/config.loader';

function load(overrides: Record<string, unknown>) {
  return loadConfig({ env: {}, overrides, cwd: mkdtempSync(join(tmpdir(), 'tessera-rl-')) }).config;
}

describe('rateLimits, trustProxy and metrics settings', () => {
  it('default to the documented budgets, no proxy trust and an open metrics endpoint', () => {
    const sut = load({});
    expect(sut.rateLimits).toEqual({
      enabled: true,
      admin: { limit: 600, windowSeconds: 60 },
      public: { limit: 60, windowSeconds: 60 },
      validate: { limit: 1200, windowSeconds: 60 },
    });
    expect(sut.trustProxy).toBe(false);
    expect(sut.metrics.bearerToken).toBeUndefined();
  });

  it('keep the defaults of what a partial section leaves out', () => {
    const sut = load({ rateLimits: { public: { limit: 10 } }, trustProxy: 'loopback' });
    expect(sut.rateLimits.public).toEqual({ limit: 10, windowSeconds: 60 });
    expect(sut.rateLimits.admin.limit).toBe(600);
    expect(sut.trustProxy).toBe('loopback');
  });

  it('name each bad field', () => {
    let error: unknown;
    try {
      load({ rateLimits: { admin: { limit: 0 }, validate: { windowSeconds: 'x' }, burst: 3 }, trustProxy: 'everyone', metrics: { bearerToken: 'short' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['rateLimits.admin.limit', 'rateLimits.validate.windowSeconds', 'rateLimits.burst', 'trustProxy', 'metrics.bearerToken']),
    );
    expect((error as ConfigError).problems.find((p) => p.field === 'trustProxy')?.problem).toMatch(/everyone/);
  });
});
