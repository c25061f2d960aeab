import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Request } from 'express';
import { FixedClock } from '../common/clock';
import { Random } from '../common/random';
import { RateLimit } from '../common/rate-limit';
import { TesseraConfig } from '../config/config.schema';
import { createTestDatabase, type TestDatabase } from '../../test/utils/database';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService, CLI_PRINCIPAL } from './api-keys.service';
import { httpContext, recordingResponse } from './guard.test-utils';
import { RateLimitedError, RateLimitGuard } from './rate-limit.guard';
import { RequestAuthenticator } from './request-authenticator';
import { Public, RequireScopes } from './scopes';

class Routes {
  @RequireScopes('invitations:read') admin(): void {}
  @RequireScopes('invitations:read') alsoAdmin(): void {}
  @RequireScopes('hints:validate') @RateLimit('validate') validate(): void {}
  @Public() discovery(): void {}
  @Public() @RateLimit('public') landing(): void {}
}

describe('RateLimitGuard', () => {
  let database: TestDatabase;
  let storage: ThrottlerStorageService;
  let config: TesseraConfig;
  let apiKeys: ApiKeysService;
  let sut: RateLimitGuard;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    storage = new ThrottlerStorageService();
    config = new TesseraConfig();
    config.rateLimits.admin.limit = 2;
    config.rateLimits.public.limit = 1;
    config.rateLimits.validate.limit = 3;
    apiKeys = new ApiKeysService(new ApiKeysRepository(database.service), database.service, config, new FixedClock(), new Random());
    sut = new RateLimitGuard(config, new RequestAuthenticator(apiKeys), storage);
  });
  afterEach(async () => {
    storage.onApplicationShutdown();
    await database.close();
  });

  function req(ip: string, key?: string): Partial<Request> {
    return { ip, headers: key ? { authorization: `Bearer ${key}` } : {} };
  }

  /** Outcome of one request: 'ok', or the Retry-After seconds of a 429. */
  async function hit(method: string, request: Partial<Request>): Promise<'ok' | number> {
    try {
      await sut.canActivate(httpContext(Routes, method, request));
      return 'ok';
    } catch (e) {
      if (e instanceof RateLimitedError) return Number(e.headers()['Retry-After']);
      throw e;
    }
  }

  it('counts admin requests per API key across every admin route, then answers 429 with Retry-After', async () => {
    const a = await apiKeys.create({ name: 'a', scopes: ['*'] }, CLI_PRINCIPAL);
    const b = await apiKeys.create({ name: 'b', scopes: ['*'] }, CLI_PRINCIPAL);
    expect(await hit('admin', req('10.0.0.1', a.key))).toBe('ok');
    expect(await hit('alsoAdmin', req('10.0.0.2', a.key))).toBe('ok');
    const retry = await hit('admin', req('10.0.0.3', a.key));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // Another key from the same address has its own budget.
    expect(await hit('admin', req('10.0.0.1', b.key))).toBe('ok');
  });

  it('counts requests without a valid key per client IP, so guessing keys is capped', async () => {
    expect(await hit('admin', req('10.0.0.1'))).toBe('ok');
    expect(await hit('admin', req('10.0.0.1', 'tsk_ffffffffffffffff_wrong'))).toBe('ok');
    expect(await hit('admin', req('10.0.0.1'))).not.toBe('ok');
    expect(await hit('admin', req('10.0.0.2'))).toBe('ok');
  });

  it('groups IPv6 clients by /64', async () => {
    expect(await hit('landing', req('2001:db8:1:2::1'))).toBe('ok');
    expect(await hit('landing', req('2001:db8:1:2:ffff::9'))).not.toBe('ok');
    expect(await hit('landing', req('2001:db8:1:3::1'))).toBe('ok');
  });

  it('applies the budget a route names instead of the admin one', async () => {
    const { key } = await apiKeys.create({ name: 'validator', scopes: ['hints:validate'] }, CLI_PRINCIPAL);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await hit('validate', req('10.0.0.1', key)));
    expect(outcomes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(outcomes[3]).not.toBe('ok');
  });

  it('never limits a public route that does not opt in (discovery, JWKS, health, metrics)', async () => {
    for (let i = 0; i < 20; i++) expect(await hit('discovery', req('10.0.0.1'))).toBe('ok');
  });

  it('limits an opted-in public route per IP', async () => {
    expect(await hit('landing', req('10.0.0.1'))).toBe('ok');
    expect(await hit('landing', req('10.0.0.1'))).not.toBe('ok');
    expect(await hit('landing', req('10.0.0.9'))).toBe('ok');
  });

  it('reports the budget in X-RateLimit headers', async () => {
    const res = recordingResponse();
    await sut.canActivate(httpContext(Routes, 'admin', req('10.0.0.1'), res));
    expect(res.headers).toEqual({ 'X-RateLimit-Limit': 2, 'X-RateLimit-Remaining': 1, 'X-RateLimit-Reset': expect.any(Number) });
  });

  it('limits nothing when switched off', async () => {
    config.rateLimits.enabled = false;
    for (let i = 0; i < 5; i++) expect(await hit('landing', req('10.0.0.1'))).toBe('ok');
  });
});
