import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../common/clock';
import { ConfigError, ConflictError, InvalidRequestError, NotFoundError } from '../common/errors';
import { Random } from '../common/random';
import { loadConfig } from '../config/config.loader';
import { DatabaseService } from '../persistence/database.service';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../test/utils/database';
import { keyAndCertificate, PooledRsaKeyGenerator } from '../../test/utils/signing-keys';
import { HmacSecretRepository } from './hmac-secret.repository';
import { KeyStoreService } from './key-store.service';
import { KeystorePassphraseError } from './keystore-cipher';
import { KeystorePassphrase } from './keystore-passphrase';
import { writePfx } from './pfx';
import { SigningKeyRepository } from './signing-key.repository';

const PASSPHRASE = 'key-store-spec-passphrase';
const MAX_LIFETIME = 3600;
const MARGIN = 600;
const MIN_PUBLISHED = 900;
const CACHE_TTL = 10;

interface Harness {
  sut: KeyStoreService;
  repository: SigningKeyRepository;
  clock: FixedClock;
}

// Real key generation, two databases and openssl: generous bounds for a loaded CI machine.
jest.setTimeout(30_000);

describeEachDialect('KeyStoreService', (dialect) => {
  let generator: PooledRsaKeyGenerator;
  let database: TestDatabase;
  let created: TestDatabase | undefined;
  let dir: string;
  const opened: DatabaseService[] = [];

  beforeAll(async () => {
    generator = await new PooledRsaKeyGenerator().fill(4); // more are made on demand
  });
  beforeEach(async () => {
    database = created = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'tessera-keystore-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.db.destroy()));
    await created?.close();
    created = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function store(
    options: { db?: DatabaseService; clock?: FixedClock; passphrase?: string; overrides?: Record<string, unknown> } = {},
  ): Harness {
    const { config } = loadConfig({
      env: { PUBLIC_URL: 'https://issuer.example.com', DATA_DIR: dir, LOG_LEVEL: 'silent' },
      overrides: {
        tokens: { maxLifetimeSeconds: MAX_LIFETIME, defaultLifetimeSeconds: 600 },
        keys: {
          retentionMarginSeconds: MARGIN,
          minPublishedSecondsBeforePromotion: MIN_PUBLISHED,
          cacheTtlSeconds: CACHE_TTL,
          ...((options.overrides?.keys as object) ?? {}),
        },
      },
      cwd: dir,
    });
    const db = options.db ?? database.service;
    const clock = options.clock ?? new FixedClock(Date.now());
    const repository = new SigningKeyRepository(db);
    const sut = new KeyStoreService(
      config,
      repository,
      new HmacSecretRepository(db),
      db,
      new KeystorePassphrase(options.passphrase ?? PASSPHRASE, 'env'),
      generator,
      clock,
      new Random(),
    );
    return { sut, repository, clock };
  }

  async function secondInstance(clock?: FixedClock, passphrase?: string): Promise<Harness> {
    const db = new DatabaseService({ url: database.url });
    opened.push(db);
    return store({ db, clock, passphrase });
  }

  async function rowCount(): Promise<number> {
    const { n } = await database.service.db
      .selectFrom('signing_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  describe('first start', () => {
    it('generates one active RS256 key with a self-signed SHA-256 certificate, published in the JWKS', async () => {
      const { sut } = store();
      await sut.initialize();

      const [key] = await sut.list();
      expect(key).toMatchObject({ alg: 'RS256', state: 'active', source: 'generated', published: true });
      const active = await sut.getActiveSigningKey();
      expect(active.kid).toBe(key.kid);
      expect(active.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const jwks = await sut.publishedJwks();
      expect(jwks.keys.map((k) => k.kid)).toEqual([key.kid]);
      const cert = new X509Certificate(Buffer.from(jwks.keys[0].x5c[0], 'base64'));
      expect(cert.subject).toBe('CN=Tessera token signing issuer.example.com');
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(cert.toLegacyObject()).toBeDefined();
      expect(active.x5t).toBe(jwks.keys[0].x5t);
    });

    it('lets exactly one of two instances racing on an empty store create the key; the other uses it', async () => {
      const a = store();
      const b = await secondInstance();

      const [ka, kb] = await Promise.all([a.sut.getActiveSigningKey(), b.sut.getActiveSigningKey()]);

      expect(ka.kid).toBe(kb.kid);
      expect(await rowCount()).toBe(1);
      expect((await a.sut.list()).map((k) => k.state)).toEqual(['active']);
    });

    it('refuses to start with a passphrase that does not open the store, naming KEYSTORE_PASSPHRASE', async () => {
      await store().sut.initialize();
      const other = await secondInstance(undefined, 'a-different-passphrase');
      await expect(other.sut.initialize()).rejects.toThrow(KeystorePassphraseError);
      await expect(other.sut.initialize()).rejects.toThrow(/KEYSTORE_PASSPHRASE does not decrypt/);
      expect(await rowCount()).toBe(1);
    });
  });

  describe('the database itself', () => {
    it('holds at most one active key per algorithm, whoever writes', async () => {
      const { sut, repository } = store();
      await sut.initialize();
      const [row] = await database.service.db.selectFrom('signing_keys').selectAll().execute();
      const error = await repository.insert({ ...row, kid: 'another-kid' }).catch((e: unknown) => e);
      expect(database.service.isUniqueViolation(error)).toBe(true);
      expect(await rowCount()).toBe(1);
    });
  });

  describe('rotation', () => {
    it('publishes a next key before it signs, promotes it after the publication wait, and retires the old one for its retention', async () => {
      const { sut, clock } = store();
      const first = await sut.getActiveSigningKey();

      const next = await sut.rotate();
      expect(next.state).toBe('next');
      expect((await sut.publishedJwks()).keys.map((k) => k.kid)).toEqual([first.kid, next.kid]);
      expect((await sut.getActiveSigningKey()).kid).toBe(first.kid);

      const early = await sut.promote(next.kid).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(ConflictError);
      expect((early as ConflictError).description).toMatch(/published for 0 s.*keys.minPublishedSecondsBeforePromotion = 900/);

      clock.advance(MIN_PUBLISHED);
      const promoted = await sut.promote(next.kid);
      expect(promoted).toMatchObject({ kid: next.kid, state: 'active' });
      expect((await sut.getActiveSigningKey()).kid).toBe(next.kid);

      const retired = (await sut.list()).find((k) => k.kid === first.kid)!;
      expect(retired.state).toBe('retired');
      expect(Date.parse(retired.publishUntil!)).toBe(clock.now().getTime() + (MAX_LIFETIME + MARGIN) * 1000);
      expect((await sut.publishedJwks()).keys.map((k) => k.kid)).toEqual([next.kid, first.kid]);

      // The retired key stays until its publication ends, then leaves without any write.
      clock.advance(MAX_LIFETIME + MARGIN - 1);
      expect((await sut.publishedJwks()).keys.map((k) => k.kid)).toEqual([next.kid, first.kid]);
      clock.advance(1);
      expect((await sut.publishedJwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
      expect((await sut.list()).find((k) => k.kid === first.kid)?.published).toBe(false);
    });

    it('promotes at once with force', async () => {
      const { sut } = store();
      await sut.initialize();
      const next = await sut.rotate();
      await expect(sut.promote(next.kid, { force: true })).resolves.toMatchObject({ state: 'active' });
    });

    it('keeps one next key at a time', async () => {
      const { sut } = store();
      await sut.initialize();
      const next = await sut.rotate();
      const calls = generator.calls;
      await expect(sut.rotate()).rejects.toThrow(new RegExp(`a next RS256 key \\(${next.kid}\\) is already waiting`));
      expect(generator.calls).toBe(calls); // refused before spending a key generation
      expect(await rowCount()).toBe(2);
    });

    it('retires a next key at once, and refuses to retire the active key', async () => {
      const { sut } = store();
      const active = await sut.getActiveSigningKey();
      const next = await sut.rotate();

      await expect(sut.retire(active.kid)).rejects.toThrow(/is the active key and cannot be retired on its own/);
      const retired = await sut.retire(next.kid);
      expect(retired).toMatchObject({ state: 'retired', published: false });
      expect((await sut.publishedJwks()).keys.map((k) => k.kid)).toEqual([active.kid]);
      await expect(sut.promote(next.kid)).rejects.toThrow(/is retired; a retired key does not come back/);
      await expect(sut.retire(next.kid)).rejects.toThrow(/already retired/);
    });

    it('names an unknown kid', async () => {
      const { sut } = store();
      await expect(sut.promote('no-such-kid')).rejects.toThrow(new NotFoundError('no signing key with kid "no-such-kid"'));
      await expect(sut.retire('no-such-kid')).rejects.toThrow(NotFoundError);
      await expect(sut.exportCertificatePem('no-such-kid')).rejects.toThrow(NotFoundError);
    });

    it('lets only one of two instances promote at once', async () => {
      const a = store();
      await a.sut.initialize();
      const next = await a.sut.rotate();
      const b = await secondInstance(a.clock);
      a.clock.advance(MIN_PUBLISHED);

      // PostgreSQL: truly concurrent. SQLite through better-sqlite3 is synchronous, so two
      // connections in one process cannot interleave transactions (one would block the event loop
      // the other needs); there the second instance comes right after the first.
      const results =
        dialect === 'postgres'
          ? await Promise.allSettled([a.sut.promote(next.kid), b.sut.promote(next.kid)])
          : [...(await Promise.allSettled([a.sut.promote(next.kid)])), ...(await Promise.allSettled([b.sut.promote(next.kid)]))];

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ConflictError);
      const states = (await a.sut.list()).map((k) => k.state).sort();
      expect(states).toEqual(['active', 'retired']);
    });
  });

  describe('the in-memory snapshot', () => {
    it('signs from memory: no store read per call until the cache TTL passes', async () => {
      const { sut, repository, clock } = store();
      await sut.initialize();
      const reads = jest.spyOn(repository, 'listPublished');

      for (let i = 0; i < 50; i++) await sut.getActiveSigningKey();
      const jwks = await sut.publishedJwks();
      expect(await sut.publishedJwks()).toBe(jwks); // the same object while unchanged
      expect(reads).toHaveBeenCalledTimes(0);

      clock.advance(CACHE_TTL);
      await sut.getActiveSigningKey();
      expect(reads).toHaveBeenCalledTimes(1);
    });

    it("sees another instance's promotion once its cache TTL has passed", async () => {
      const a = store();
      const first = await a.sut.getActiveSigningKey();
      const b = await secondInstance(a.clock);
      const next = await b.sut.rotate();
      await b.sut.promote(next.kid, { force: true });

      expect((await a.sut.getActiveSigningKey()).kid).toBe(first.kid); // within the TTL: the old (still published) key
      a.clock.advance(CACHE_TTL);
      expect((await a.sut.getActiveSigningKey()).kid).toBe(next.kid);
    });
  });

  describe('imports', () => {
    it('imports PEM as next, and refuses the same key again, even after it is retired', async () => {
      const { sut } = store();
      await sut.initialize();
      const operator = keyAndCertificate();

      const imported = await sut.importPem(operator.keyPem, operator.certificatePem);
      expect(imported).toMatchObject({ state: 'next', source: 'imported-pem' });
      await sut.retire(imported.kid);

      await expect(sut.importPem(operator.keyPem, operator.certificatePem)).rejects.toThrow(
        new RegExp(`already in the store as ${imported.kid} \\(retired\\)`),
      );
      expect(await rowCount()).toBe(2);
    });

    it('makes the first key of an empty store active, without generating one', async () => {
      const { sut } = store();
      const operator = keyAndCertificate();
      const calls = generator.calls;
      const imported = await sut.importPem(operator.keyPem, operator.certificatePem);
      expect(imported.state).toBe('active');
      expect((await sut.getActiveSigningKey()).kid).toBe(imported.kid);
      expect(generator.calls).toBe(calls);
    });

    it('activates at once on request, retiring the active key', async () => {
      const { sut } = store();
      const before = await sut.getActiveSigningKey();
      const operator = keyAndCertificate();
      const imported = await sut.importPem(operator.keyPem, operator.certificatePem, { activate: true });
      expect(imported.state).toBe('active');
      expect((await sut.list()).find((k) => k.kid === before.kid)?.state).toBe('retired');
    });

    it.each([
      ['a malformed PEM key', (o: ReturnType<typeof keyAndCertificate>) => ['-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', o.certificatePem], /^key: /],
      ['a certificate of another key', (o: ReturnType<typeof keyAndCertificate>) => [o.keyPem, keyAndCertificate().certificatePem], /^certificate: does not match/],
      ['a certificate that is not PEM', (o: ReturnType<typeof keyAndCertificate>) => [o.keyPem, 'MIIB...'], /^certificate: is not a PEM certificate/],
    ])('refuses %s and writes nothing', async (_what, inputs, message) => {
      const { sut } = store();
      await sut.initialize();
      const [key, cert] = inputs(keyAndCertificate());
      const error = await sut.importPem(key, cert).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).description).toMatch(message);
      expect(await rowCount()).toBe(1);
    });

    it('exports a PFX that openssl reads and that re-imports to the same kid in another store', async () => {
      const { sut } = store();
      const active = await sut.getActiveSigningKey();

      const pfx = await sut.exportPfx(active.kid, 'export-password');
      const text = execFileSync('/usr/bin/openssl', ['pkcs12', '-passin', 'env:P', '-nokeys'], { input: pfx, env: { P: 'export-password' }, encoding: 'utf8' });
      expect(new X509Certificate(text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]).fingerprint256).toBe(
        new X509Certificate(await sut.exportCertificatePem(active.kid)).fingerprint256,
      );

      await expect(sut.importPfx(pfx, 'wrong-password')).rejects.toThrow(/^password: does not open the PFX/);
      const elsewhere = await createTestDatabase(dialect);
      try {
        const imported = await store({ db: elsewhere.service }).sut.importPfx(pfx, 'export-password');
        expect(imported).toMatchObject({ kid: active.kid, source: 'imported-pfx', state: 'active' });
      } finally {
        await elsewhere.close();
      }
    });

    it('refuses a short export password', async () => {
      const { sut } = store();
      const active = await sut.getActiveSigningKey();
      await expect(sut.exportPfx(active.kid, 'short')).rejects.toThrow(/^password: must be at least 8 characters/);
    });

    it('never shows private material in listings', async () => {
      const { sut } = store();
      await sut.initialize();
      const text = JSON.stringify(await sut.list());
      expect(text).not.toMatch(/PRIVATE KEY|"d":|"p":|"q":/);
    });
  });

  describe('start-time imports (keys.import)', () => {
    it('imports configured PEM and PFX files once, the first as the active key', async () => {
      const pem = keyAndCertificate();
      const pfxKey = keyAndCertificate();
      writeFileSync(join(dir, 'signing.key'), pem.keyPem);
      writeFileSync(join(dir, 'signing.crt'), pem.certificatePem);
      writeFileSync(join(dir, 'next.pfx'), writePfx(pfxKey.privateKey, [pfxKey.certificatePem], 'pfx-password', 'x'));
      process.env.TESSERA_SPEC_PFX_PASSWORD = 'pfx-password';
      try {
        const overrides = {
          keys: {
            import: [
              { key: join(dir, 'signing.key'), cert: join(dir, 'signing.crt') },
              { pfx: join(dir, 'next.pfx'), passwordEnv: 'TESSERA_SPEC_PFX_PASSWORD' },
            ],
          },
        };
        const calls = generator.calls;
        await store({ overrides }).sut.initialize();
        await store({ overrides }).sut.initialize(); // a restart: nothing new

        const keys = await store().sut.list();
        expect(keys.map((k) => [k.source, k.state]).sort()).toEqual([
          ['imported-pem', 'active'],
          ['imported-pfx', 'next'],
        ]);
        expect(generator.calls).toBe(calls);
      } finally {
        delete process.env.TESSERA_SPEC_PFX_PASSWORD;
      }
    });

    it('refuses to start on a bad configured file, naming the setting, and writes nothing', async () => {
      const pem = keyAndCertificate();
      writeFileSync(join(dir, 'signing.key'), pem.keyPem);
      writeFileSync(join(dir, 'other.crt'), keyAndCertificate().certificatePem);
      const bad = store({ overrides: { keys: { import: [{ key: join(dir, 'signing.key'), cert: join(dir, 'other.crt') }] } } });
      const error = await bad.sut.initialize().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([{ field: 'keys.import[0].cert', problem: expect.stringMatching(/does not match the private key/) }]);

      const missing = store({ overrides: { keys: { import: [{ pfx: join(dir, 'missing.pfx') }] } } });
      await expect(missing.sut.initialize()).rejects.toThrow(/keys.import\[0\].pfx: cannot read .*missing.pfx: ENOENT/);
      expect(await rowCount()).toBe(0);
    });
  });

  describe('HS256 secrets', () => {
    it('generates 32 random bytes as base64, returns it once, and stores it encrypted', async () => {
      const { sut } = store();
      const created = await sut.setHmacSecret('b2c-contoso');
      expect(created).toMatchObject({ name: 'b2c-contoso', replaced: false });
      expect(Buffer.from(created.secret, 'base64')).toHaveLength(32);
      expect(created.secret).toMatch(/^[A-Za-z0-9+/]{43}=$/);

      await expect(sut.getHmacSecret('b2c-contoso')).resolves.toEqual({ name: 'b2c-contoso', kid: created.kid, secret: created.secret });
      const row = await database.service.db.selectFrom('hmac_secrets').selectAll().executeTakeFirstOrThrow();
      expect(row.secret_enc).toMatch(/^v1:/);
      expect(row.secret_enc).not.toContain(created.secret);
      expect(JSON.stringify(await sut.listHmacSecrets())).not.toContain(created.secret);
    });

    it('counts UTF-8 bytes, refusing a secret under 32 of them and writing nothing', async () => {
      const { sut } = store();
      await expect(sut.setHmacSecret('rp', 'x'.repeat(31))).rejects.toThrow(/^secret: is 31 bytes; an HS256 secret must be at least 32 bytes/);
      await expect(sut.setHmacSecret('rp', '€'.repeat(10))).rejects.toThrow(/is 30 bytes/);
      expect(await sut.listHmacSecrets()).toEqual([]);
      await expect(sut.setHmacSecret('rp', '€'.repeat(11))).resolves.toMatchObject({ secret: '€'.repeat(11) });
      await expect(sut.setHmacSecret('bad name!', 'x'.repeat(32))).rejects.toThrow(/^name: /);
    });

    it('replaces a secret under a new kid, and names an unknown one', async () => {
      const { sut } = store();
      const first = await sut.setHmacSecret('rp', 'a'.repeat(32));
      await sut.getHmacSecret('rp');
      const second = await sut.setHmacSecret('rp', 'b'.repeat(32));
      expect(second.replaced).toBe(true);
      expect(second.kid).not.toBe(first.kid);
      await expect(sut.getHmacSecret('rp')).resolves.toMatchObject({ kid: second.kid, secret: 'b'.repeat(32) });
      await expect(sut.getHmacSecret('nope')).rejects.toThrow(new NotFoundError('no HS256 secret named "nope": create it with POST /api/keys/secrets or `keys secret generate nope`'));
    });

    it('refuses to start when the passphrase does not open a stored secret', async () => {
      const { sut } = store();
      await sut.setHmacSecret('rp');
      const other = await secondInstance(undefined, 'a-different-passphrase');
      await expect(other.sut.getHmacSecret('rp')).rejects.toThrow(/KEYSTORE_PASSPHRASE does not decrypt the HS256 secret "rp"/);
    });
  });
});
