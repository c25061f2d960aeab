import { FixedClock } from '../common/clock';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import { DatabaseService } from '../persistence/database.service';
import { createTestDatabase, type TestDatabase } from '../../test/utils/database';
import { hashApiKey } from './api-key-format';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService, CLI_PRINCIPAL, ENVIRONMENT_PRINCIPAL } from './api-keys.service';
import type { Principal } from './scopes';

const ENV_KEY = 'provisioned-from-the-environment-0123456789';

describe('ApiKeysService', () => {
  let database: TestDatabase;
  let clock: FixedClock;
  let config: TesseraConfig;
  let repository: ApiKeysRepository;
  let sut: ApiKeysService;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    clock = new FixedClock(Date.UTC(2026, 2, 1, 9));
    config = new TesseraConfig();
    repository = new ApiKeysRepository(database.service);
    sut = new ApiKeysService(repository, database.service, config, clock, new Random());
  });
  afterEach(async () => {
    await database.close();
  });

  describe('create', () => {
    it('returns the plaintext once and stores only its SHA-256', async () => {
      const created = await sut.create({ name: '  importer ', scopes: ['invitations:write', 'invitations:read', 'invitations:write'] }, CLI_PRINCIPAL);
      expect(created.key).toMatch(/^tsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(created.apiKey).toEqual({
        id: created.key.split('_')[1],
        name: 'importer',
        prefix: created.key.slice(0, 'tsk_'.length + 16 + 1 + 4),
        scopes: ['invitations:read', 'invitations:write'],
        createdAt: clock.now(),
        createdBy: 'cli',
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
      });
      expect(created.apiKey).not.toHaveProperty('keyHash');
      const stored = await repository.findById(created.apiKey.id);
      expect(stored?.keyHash).toBe(hashApiKey(created.key));
      const rows = await database.service.db.selectFrom('api_keys').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(created.key.split('_').slice(2).join('_'));
    });

    it('names every bad field at once', async () => {
      const error = await sut.create({ name: ' ', scopes: ['keys:read', 'keys:everything'] }, CLI_PRINCIPAL).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).details).toEqual([
        { field: 'name', problem: 'must not be empty' },
        { field: 'scopes', problem: expect.stringContaining('unknown scope "keys:everything"') },
      ]);
      expect(await sut.list()).toEqual([]);
    });

    it('refuses a name over 100 characters and an empty scope list', async () => {
      const error = (await sut.create({ name: 'x'.repeat(101), scopes: [] }, CLI_PRINCIPAL).catch((e: unknown) => e)) as InvalidRequestError;
      expect(error.details?.map((d) => d.field)).toEqual(['name', 'scopes']);
    });

    it('lets a key grant only scopes it holds itself', async () => {
      const grantor: Principal = { keyId: 'k1', name: 'delegate', scopes: ['api-keys:admin', 'invitations:read'] };
      const narrower = await sut.create({ name: 'reader', scopes: ['invitations:read'] }, grantor);
      expect(narrower.apiKey.createdBy).toBe('k1');

      const wider = await sut.create({ name: 'writer', scopes: ['invitations:write'] }, grantor).catch((e: unknown) => e);
      expect(wider).toBeInstanceOf(ForbiddenError);
      expect((wider as ForbiddenError).description).toMatch(/lacks invitations:write/);

      const everything = await sut.create({ name: 'root', scopes: ['*'] }, grantor).catch((e: unknown) => e);
      expect(everything).toBeInstanceOf(ForbiddenError);
      expect((everything as ForbiddenError).description).toMatch(/lacks \*/);
      expect((await sut.list()).map((k) => k.name)).toEqual(['reader']);
    });
  });

  describe('authenticate', () => {
    it('accepts a created key as its principal and records its use at most once a minute', async () => {
      const { key, apiKey } = await sut.create({ name: 'ops', scopes: ['keys:read'] }, CLI_PRINCIPAL);
      expect(await sut.authenticate(key)).toEqual({ keyId: apiKey.id, name: 'ops', scopes: ['keys:read'] });
      expect((await sut.get(apiKey.id)).lastUsedAt).toEqual(clock.now());

      const firstUse = clock.now();
      clock.advance(30);
      await sut.authenticate(key);
      expect((await sut.get(apiKey.id)).lastUsedAt).toEqual(firstUse);
      clock.advance(31);
      await sut.authenticate(key);
      expect((await sut.get(apiKey.id)).lastUsedAt).toEqual(clock.now());
    });

    it('refuses unknown, tampered, malformed and revoked keys alike', async () => {
      const { key, apiKey } = await sut.create({ name: 'ops', scopes: ['keys:read'] }, CLI_PRINCIPAL);
      const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      const otherId = key.replace(apiKey.id, 'ffffffffffffffff');
      for (const presented of [tampered, otherId, 'tsk_nope', 'not-a-key', '']) {
        expect(await sut.authenticate(presented)).toBeNull();
      }
      await sut.revoke(apiKey.id, CLI_PRINCIPAL);
      expect(await sut.authenticate(key)).toBeNull();
    });

    it('accepts TESSERA_ADMIN_API_KEY as the environment principal without storing it', async () => {
      config.adminApiKey = ENV_KEY;
      expect(await sut.authenticate(ENV_KEY)).toEqual(ENVIRONMENT_PRINCIPAL);
      expect(await sut.authenticate(`${ENV_KEY}x`)).toBeNull();
      expect(await sut.list()).toEqual([]);
    });
  });

  describe('revoke', () => {
    it('records when and by whom, and is idempotent', async () => {
      const { apiKey } = await sut.create({ name: 'ops', scopes: ['keys:read'] }, CLI_PRINCIPAL);
      const revokedAt = clock.now();
      const revoked = await sut.revoke(apiKey.id, ENVIRONMENT_PRINCIPAL);
      expect([revoked.revokedAt, revoked.revokedBy]).toEqual([revokedAt, 'env']);
      clock.advance(60);
      const again = await sut.revoke(apiKey.id, CLI_PRINCIPAL);
      expect([again.revokedAt, again.revokedBy]).toEqual([revokedAt, 'env']);
    });

    it('answers 404 for an unknown id', async () => {
      await expect(sut.revoke('ffffffffffffffff', CLI_PRINCIPAL)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('createFirstStartKey', () => {
    it('creates one * key on an empty store, and none while an active key exists', async () => {
      const created = await sut.createFirstStartKey();
      expect(created?.apiKey).toMatchObject({ scopes: ['*'], createdBy: 'first-start' });
      expect(await sut.authenticate(created!.key)).toMatchObject({ scopes: ['*'] });
      expect(await sut.createFirstStartKey()).toBeNull();
      expect(await sut.list()).toHaveLength(1);
    });

    it('creates another one once every key has been revoked (the store would otherwise be locked)', async () => {
      const first = await sut.createFirstStartKey();
      await sut.revoke(first!.apiKey.id, CLI_PRINCIPAL);
      const second = await sut.createFirstStartKey();
      expect(second).not.toBeNull();
      expect(second!.apiKey.id).not.toBe(first!.apiKey.id);
    });

    it('creates nothing when the environment provisions a key', async () => {
      config.adminApiKey = ENV_KEY;
      expect(await sut.createFirstStartKey()).toBeNull();
      expect(await sut.list()).toEqual([]);
    });

    it('lets exactly one of several instances starting together on one database win', async () => {
      // Each "instance" has its own connection to the same file, as separate processes would.
      const connections = [1, 2, 3].map(() => new DatabaseService({ url: database.url }));
      try {
        const instances = connections.map((c) => new ApiKeysService(new ApiKeysRepository(c), c, config, clock, new Random()));
        const results = await Promise.all([sut, ...instances].map((s) => s.createFirstStartKey()));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await sut.list()).toHaveLength(1);
      } finally {
        await Promise.all(connections.map((c) => c.db.destroy()));
      }
    });
  });
});
