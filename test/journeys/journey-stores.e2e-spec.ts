import { FixedClock } from '../../src/common/clock';
import { Random } from '../../src/common/random';
import type { TesseraConfig } from '../../src/config/config.schema';
import { JourneySessionsRepository } from '../../src/journeys/engine/journey-sessions.repository';
import { LocalAccountsRepository } from '../../src/journeys/user-store/local-accounts.repository';
import { PasswordHasher } from '../../src/journeys/user-store/password-hasher';
import { UserStoreService } from '../../src/journeys/user-store/user-store.service';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../utils/database';

/** The journey session store and the local account store against the real databases. */
describeEachDialect('journey stores', (dialect) => {
  let database: TestDatabase;
  const clock = new FixedClock(Date.UTC(2026, 2, 1));
  const hashing = (cost: number) => ({ journeys: { passwordHashing: { cost, blockSize: 8, parallelization: 1 } } }) as unknown as TesseraConfig;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.close();
  });

  describe('JourneySessionsRepository', () => {
    const row = (id: string, expiresAt: number) => ({
      id,
      policy_id: 'B2C_1A_x',
      correlation_id: `c-${id}`,
      state: '{"step":0}',
      version: 0,
      status: 'active' as const,
      created_at: 0,
      updated_at: 0,
      expires_at: expiresAt,
    });

    it('lets only the writer that read the current version write (optimistic concurrency)', async () => {
      const sut = new JourneySessionsRepository(database.service);
      await sut.insert(row('s1', 10_000));
      const results = await Promise.all([
        sut.update('s1', 0, { state: '{"step":1}', status: 'active' }, 1),
        sut.update('s1', 0, { state: '{"step":2}', status: 'active' }, 1),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await sut.find('s1', 5);
      expect(stored?.version).toBe(1);
      expect(['{"step":1}', '{"step":2}']).toContain(stored?.state);
      await expect(sut.update('s1', 0, { state: '{}', status: 'active' }, 2)).resolves.toBe(false);
    });

    it('does not write to a finished session', async () => {
      const sut = new JourneySessionsRepository(database.service);
      await sut.insert(row('s2', 10_000));
      await expect(sut.update('s2', 0, { state: '{}', status: 'completed' }, 1)).resolves.toBe(true);
      await expect(sut.update('s2', 1, { state: '{}', status: 'active' }, 2)).resolves.toBe(false);
    });

    it('does not find an expired session, and purges expired ones', async () => {
      const sut = new JourneySessionsRepository(database.service);
      await sut.insert(row('old', 100));
      await sut.insert(row('new', 100_000));
      expect(await sut.find('old', 100)).toBeUndefined();
      expect(await sut.find('new', 100)).toBeDefined();
      expect(await sut.purgeExpired(1000)).toBeGreaterThanOrEqual(1);
      const left = await database.service.db.selectFrom('journey_sessions').select('id').where('id', 'in', ['old', 'new']).execute();
      expect(left.map((r) => r.id)).toEqual(['new']);
    });
  });

  describe('UserStoreService', () => {
    const store = (cost = 1024) => new UserStoreService(new LocalAccountsRepository(database.service), new PasswordHasher(hashing(cost)), clock, new Random());

    it('creates an account by normalized email, with the password hashed and attributes kept', async () => {
      const sut = store();
      const result = await sut.create({ email: '  Ada@Example.COM ', password: 'Correct-horse-7', attributes: { displayName: 'Ada' } });
      expect(result.created).toBe(true);
      const found = await sut.findByEmail('ada@example.com');
      expect(found).toMatchObject({ email: 'ada@example.com', hasPassword: true, attributes: { displayName: 'Ada' } });
      const row = await database.service.db.selectFrom('local_accounts').select('password_hash').where('email', '=', 'ada@example.com').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$scrypt\$/);
      await expect(sut.authenticate('ADA@example.com', 'Correct-horse-7')).resolves.toMatchObject({ objectId: found!.objectId });
      await expect(sut.authenticate('ada@example.com', 'wrong')).resolves.toBeUndefined();
      await expect(sut.authenticate('nobody@example.com', 'Correct-horse-7')).resolves.toBeUndefined();
    });

    it('creates exactly one account of concurrent sign-ups for one address; the others learn who has it', async () => {
      const sut = store();
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => sut.create({ email: 'race@example.com', password: `Pw-${i}-abcdef`, attributes: {} })));
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const winner = created[0].created ? created[0].account.objectId : '';
      for (const r of results) if (!r.created) expect(r.existing.objectId).toBe(winner);
      const rows = await database.service.db.selectFrom('local_accounts').select('object_id').where('email', '=', 'race@example.com').execute();
      expect(rows).toHaveLength(1);
    });

    it('upgrades a hash at sign-in when the configured cost went up', async () => {
      await store(1024).create({ email: 'upgrade@example.com', password: 'Correct-horse-7', attributes: {} });
      await expect(store(2048).authenticate('upgrade@example.com', 'Correct-horse-7')).resolves.toBeDefined();
      const row = await database.service.db.selectFrom('local_accounts').select('password_hash').where('email', '=', 'upgrade@example.com').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$scrypt\$ln=11,/);
      await expect(store(2048).authenticate('upgrade@example.com', 'Correct-horse-7')).resolves.toBeDefined();
    });

    it('updates attributes and the password of an existing account', async () => {
      const sut = store();
      const created = await sut.create({ email: 'edit@example.com', password: 'Correct-horse-7', attributes: { displayName: 'Old', givenName: 'G' } });
      if (!created.created) throw new Error('not created');
      const updated = await sut.update(created.account.objectId, { password: 'New-horse-8', attributes: { displayName: 'New' } });
      expect(updated?.attributes).toEqual({ displayName: 'New', givenName: 'G' });
      await expect(sut.authenticate('edit@example.com', 'New-horse-8')).resolves.toBeDefined();
      await expect(sut.authenticate('edit@example.com', 'Correct-horse-7')).resolves.toBeUndefined();
      await expect(sut.update('no-such-object-id', { attributes: {} })).resolves.toBeUndefined();
    });
  });
});
