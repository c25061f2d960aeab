import { FixedClock } from '../common/clock';
import { ForbiddenError, UnauthorizedError } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import { createTestDatabase, type TestDatabase } from '../../test/utils/database';
import { AccessGuard, INVALID_KEY_MESSAGE } from './access.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService, CLI_PRINCIPAL } from './api-keys.service';
import { httpContext } from './guard.test-utils';
import { RequestAuthenticator, type AuthenticatedRequest } from './request-authenticator';
import { Public, RequireScopes, SCOPES } from './scopes';

class Routes {
  @Public() open(): void {}
  @RequireScopes('invitations:write', 'invitations:read') write(): void {}
  unmarked(): void {}
}

const ENV_KEY = 'provisioned-from-the-environment-0123456789';

describe('AccessGuard', () => {
  let database: TestDatabase;
  let apiKeys: ApiKeysService;
  let sut: AccessGuard;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    const config = Object.assign(new TesseraConfig(), { adminApiKey: ENV_KEY });
    apiKeys = new ApiKeysService(new ApiKeysRepository(database.service), database.service, config, new FixedClock(), new Random());
    sut = new AccessGuard(new RequestAuthenticator(apiKeys));
  });
  afterEach(async () => {
    await database.close();
  });

  function request(authorization?: string): AuthenticatedRequest {
    return { headers: authorization === undefined ? {} : { authorization } } as AuthenticatedRequest;
  }

  async function attempt(method: string, req: AuthenticatedRequest): Promise<unknown> {
    try {
      return await sut.canActivate(httpContext(Routes, method, req));
    } catch (e) {
      return e;
    }
  }

  it('lets anyone through a public route without looking at credentials', async () => {
    expect(await attempt('open', request('Bearer garbage'))).toBe(true);
  });

  it('answers 401 with the default challenge when no key is sent', async () => {
    const error = await attempt('write', request());
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).description).toMatch(/Authorization: Bearer/);
  });

  it('answers unknown, malformed, non-bearer and revoked keys with one and the same 401', async () => {
    const { key, apiKey } = await apiKeys.create({ name: 'gone', scopes: ['*'] }, CLI_PRINCIPAL);
    await apiKeys.revoke(apiKey.id, CLI_PRINCIPAL);
    const unknown = key.replace(apiKey.id, 'ffffffffffffffff');
    for (const header of [`Bearer ${key}`, `Bearer ${unknown}`, 'Bearer not-a-key', `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer']) {
      const error = await attempt('write', request(header));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).description).toBe(INVALID_KEY_MESSAGE);
    }
  });

  it('answers 403 naming exactly the missing scopes', async () => {
    const { key } = await apiKeys.create({ name: 'reader', scopes: ['invitations:read'] }, CLI_PRINCIPAL);
    const error = await attempt('write', request(`Bearer ${key}`));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).description).toBe('this API key lacks the scope invitations:write');
    expect((error as ForbiddenError).headers()['WWW-Authenticate']).toContain('scope="invitations:write"');
  });

  it('admits a key holding every required scope and sets req.principal', async () => {
    const { key, apiKey } = await apiKeys.create({ name: 'writer', scopes: ['invitations:read', 'invitations:write'] }, CLI_PRINCIPAL);
    const req = request(`Bearer ${key}`);
    expect(await attempt('write', req)).toBe(true);
    expect(req.principal).toEqual({ keyId: apiKey.id, name: 'writer', scopes: ['invitations:read', 'invitations:write'] });
  });

  it('keeps an unmarked route closed to every key but a * key', async () => {
    const { key } = await apiKeys.create({ name: 'every named scope', scopes: [...SCOPES] }, CLI_PRINCIPAL);
    const error = await attempt('unmarked', request(`Bearer ${key}`));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).description).toMatch(/declares no scope/);
    expect(await attempt('unmarked', request(`Bearer ${ENV_KEY}`))).toBe(true);
  });

  it('authenticates a request once however many guards ask', async () => {
    const { key } = await apiKeys.create({ name: 'writer', scopes: ['*'] }, CLI_PRINCIPAL);
    const spy = jest.spyOn(apiKeys, 'authenticate');
    const authenticator = new RequestAuthenticator(apiKeys);
    const req = request(`Bearer ${key}`);
    const [a, b] = await Promise.all([authenticator.authenticate(req as never), authenticator.authenticate(req as never)]);
    expect(a).toBe(b);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
