import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../test/utils/database';
import { ApiKeysRepository, type NewApiKeyRecord } from './api-keys.repository';

function newKey(id: string, overrides: Partial<NewApiKeyRecord> = {}): NewApiKeyRecord {
  return {
    id,
    name: `key ${id}`,
    prefix: `tsk_${id}_abcd`,
    keyHash: 'ab'.repeat(32),
    scopes: ['invitations:read', 'keys:read'],
    createdAt: new Date(Date.UTC(2026, 0, 1, 12)),
    createdBy: 'cli',
    ...overrides,
  };
}

describeEachDialect('ApiKeysRepository', (dialect) => {
  let database: TestDatabase;
  let sut: ApiKeysRepository;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    sut = new ApiKeysRepository(database.service);
  });
  afterEach(async () => {
    await database.close();
  });

  it('stores a key and reads it back with scopes and millisecond timestamps intact', async () => {
    await sut.insert(newKey('00000000000000a1', { createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 123)) }));
    const found = await sut.findById('00000000000000a1');
    expect(found).toEqual({
      id: '00000000000000a1',
      name: 'key 00000000000000a1',
      prefix: 'tsk_00000000000000a1_abcd',
      keyHash: 'ab'.repeat(32),
      scopes: ['invitations:read', 'keys:read'],
      createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 123)),
      createdBy: 'cli',
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    });
    expect(await sut.findById('ffffffffffffffff')).toBeUndefined();
  });

  it('refuses a second key with the same id', async () => {
    await sut.insert(newKey('00000000000000a1'));
    const error = await sut.insert(newKey('00000000000000a1')).catch((e: unknown) => e);
    expect(database.service.isUniqueViolation(error)).toBe(true);
  });

  it('lists every key, revoked ones too, oldest first', async () => {
    await sut.insert(newKey('00000000000000b2', { createdAt: new Date(2000) }));
    await sut.insert(newKey('00000000000000a1', { createdAt: new Date(1000) }));
    await sut.revoke('00000000000000b2', new Date(3000), 'env');
    const list = await sut.list();
    expect(list.map((k) => [k.id, k.revokedAt?.getTime() ?? null, k.revokedBy])).toEqual([
      ['00000000000000a1', null, null],
      ['00000000000000b2', 3000, 'env'],
    ]);
  });

  it('revokes once: a second revocation changes nothing', async () => {
    await sut.insert(newKey('00000000000000a1'));
    expect(await sut.revoke('00000000000000a1', new Date(5000), 'first')).toBe(true);
    expect(await sut.revoke('00000000000000a1', new Date(9000), 'second')).toBe(false);
    expect(await sut.revoke('ffffffffffffffff', new Date(9000), 'second')).toBe(false);
    const found = await sut.findById('00000000000000a1');
    expect([found?.revokedAt?.getTime(), found?.revokedBy]).toEqual([5000, 'first']);
  });

  it('writes last use only when the stored one is older than the given bound', async () => {
    await sut.insert(newKey('00000000000000a1'));
    expect(await sut.touch('00000000000000a1', new Date(10_000), new Date(0))).toBe(true);
    expect(await sut.touch('00000000000000a1', new Date(20_000), new Date(10_000))).toBe(false);
    expect(await sut.touch('00000000000000a1', new Date(80_000), new Date(20_000))).toBe(true);
    expect((await sut.findById('00000000000000a1'))?.lastUsedAt?.getTime()).toBe(80_000);
  });

  it('reports active keys and the last first-start slot, and lets only one insert take a slot', async () => {
    expect(await sut.firstStartState()).toEqual({ activeKeys: 0, lastFirstStartSeq: 0 });
    await sut.insert(newKey('00000000000000a1', { firstStartSeq: 1 }));
    await sut.insert(newKey('00000000000000b2'));
    expect(await sut.firstStartState()).toEqual({ activeKeys: 2, lastFirstStartSeq: 1 });

    const error = await sut.insert(newKey('00000000000000c3', { firstStartSeq: 1 })).catch((e: unknown) => e);
    expect(database.service.isUniqueViolation(error)).toBe(true);

    await sut.revoke('00000000000000a1', new Date(1), 'env');
    await sut.revoke('00000000000000b2', new Date(1), 'env');
    expect(await sut.firstStartState()).toEqual({ activeKeys: 0, lastFirstStartSeq: 1 });
  });
});
