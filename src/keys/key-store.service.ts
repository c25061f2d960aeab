import { Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Clock } from '../common/clock';
import { ConfigError, ConflictError, InvalidRequestError, NotFoundError, TesseraError, type FieldProblem } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import { DatabaseService } from '../persistence/database.service';
import { HmacSecretRepository } from './hmac-secret.repository';
import type { KeyImportConfig } from './key-import.config';
import { decryptPrivateKey, encryptPrivateKey, openSecret, sealSecret } from './keystore-cipher';
import { KeystorePassphrase } from './keystore-passphrase';
import type { SigningKeySource, SigningKeyState } from './keys.tables';
import { readPfx, writePfx } from './pfx';
import { RsaKeyGenerator } from './rsa-key-generator';
import { createSelfSignedCertificate } from './self-signed-certificate';
import { SigningKeyRepository, type SigningKeyRow, type TransitionOutcome } from './signing-key.repository';
import {
  buildSigningMaterial,
  parsePrivateKeyPem,
  splitCertificatePems,
  type PublishedJwk,
  type SigningMaterial,
} from './signing-material';

export type SigningAlg = 'RS256';

/** What the minting path needs, held in memory: no database read per token. */
export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlg;
  /** usable by jose directly (jose caches its CryptoKey conversion per KeyObject) */
  privateKey: KeyObject;
  /** base64url SHA-1 of the certificate (RFC 7515 §4.1.7), for the JWS header */
  x5t?: string;
}

export interface HmacSecret {
  name: string;
  kid: string;
  /** the secret string; its UTF-8 bytes are the HS256 key (as B2C uses its policy key) */
  secret: string;
}

export interface JsonWebKeySet {
  keys: PublishedJwk[];
}

/** Public metadata of a signing key: never any private material. */
export interface SigningKeyInfo {
  kid: string;
  alg: SigningAlg;
  state: SigningKeyState;
  source: SigningKeySource;
  /** in the JWKS now */
  published: boolean;
  createdAt: string;
  /** for a `next` key: when `promote` accepts it without `force` */
  promotableAt: string | null;
  activatedAt: string | null;
  retiredAt: string | null;
  /** for a retired key: when it leaves the JWKS */
  publishUntil: string | null;
  certificate: {
    subject: string;
    issuer: string;
    serialNumber: string;
    notBefore: string;
    notAfter: string;
    x5t: string;
    'x5t#S256': string;
  };
}

export interface HmacSecretInfo {
  name: string;
  kid: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedHmacSecret extends HmacSecret {
  createdAt: string;
  /** a previous value under this name was replaced (and its kid with it) */
  replaced: boolean;
}

export interface AddKeyOptions {
  /**
   * Make the new key sign at once, retiring the active one, instead of waiting as `next`. Skips
   * the publication wait: relying parties that cached the JWKS refuse its tokens until they
   * refresh. A key added to a store with no active key is activated regardless.
   */
  activate?: boolean;
}

/** Where a rotated-in key comes from. */
export type KeySource =
  | { kind: 'generate' }
  | { kind: 'pem'; key: string; certificate: string }
  | { kind: 'pfx'; pfx: Buffer; password: string };

/** An HS256 secret name: what relying-party configuration refers to. */
export const HMAC_SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output, 256 bits. */
export const MIN_HMAC_SECRET_BYTES = 32;
export const MAX_HMAC_SECRET_BYTES = 4096;
export const MIN_PFX_PASSWORD_LENGTH = 8;

interface KeySnapshot {
  expiresAt: number;
  active: Map<SigningAlg, ActiveSigningKey>;
  jwks: JsonWebKeySet;
}

interface CachedSecret {
  sealed: string;
  value: HmacSecret;
  expiresAt: number;
}

/**
 * The key store shared by every instance: it lives in the database, and each instance keeps an
 * in-memory snapshot of the published keys and the active private key, re-read after
 * `keys.cacheTtlSeconds`, when a retired key's publication ends, or when this instance changes
 * the store. Lifecycle: `next` (published, not signing) → `active` (the one signing key per
 * algorithm) → `retired` (published until every token it signed has expired, plus a margin).
 */
@Injectable()
export class KeyStoreService implements OnApplicationBootstrap {
  private readonly logger = new Logger('KeyStore');
  private snapshot?: KeySnapshot;
  private loading?: Promise<KeySnapshot>;
  /** bumped by every local change, so that a read started before it is not kept */
  private generation = 0;
  /** decrypted private keys by kid: a kid always names the same material, so they never go stale */
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly secrets = new Map<string, CachedSecret>();
  private initializing?: Promise<void>;

  constructor(
    private readonly config: TesseraConfig,
    private readonly signingKeys: SigningKeyRepository,
    private readonly hmacSecrets: HmacSecretRepository,
    private readonly database: DatabaseService,
    private readonly passphrase: KeystorePassphrase,
    private readonly generator: RsaKeyGenerator,
    private readonly clock: Clock,
    private readonly random: Random,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /**
   * The server prepares the store before it answers anything: configured imports, the first
   * key of an empty store, and a check that the passphrase opens what is stored. Command-line
   * contexts (no HTTP adapter) skip this, so that `keys import` into an empty store makes the
   * imported key the first one; they prepare lazily when something needs to sign.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.adapterHost?.httpAdapter) await this.initialize();
  }

  /** Idempotent and safe to run from several instances at once. */
  initialize(): Promise<void> {
    this.initializing ??= this.runInitialize().catch((e: unknown) => {
      this.initializing = undefined;
      throw e;
    });
    return this.initializing;
  }

  private async runInitialize(): Promise<void> {
    await this.importConfiguredKeys();
    await this.ensureActiveKey();
    // Decrypting now turns a wrong KEYSTORE_PASSPHRASE into a start-up error, not a failed request.
    await this.current();
    const secret = await this.hmacSecrets.first();
    if (secret) await openSecret(secret.secret_enc, this.passphrase.value, `the HS256 secret "${secret.name}"`);
  }

  /**
   * Generates a key + self-signed certificate when no key is active (first start). Of several
   * instances racing here, the partial unique index lets one insert win; the others discard
   * theirs and use the winner's.
   */
  async ensureActiveKey(alg: SigningAlg = 'RS256'): Promise<void> {
    if (await this.signingKeys.findActive(alg)) return;
    const material = await this.generateMaterial();
    try {
      await this.signingKeys.insert(this.rowFor(material, 'generated', 'active'));
    } catch (e) {
      if (this.database.isUniqueViolation(e) && (await this.signingKeys.findActive(alg))) return this.invalidate();
      throw e;
    }
    this.invalidate();
    this.logger.warn(
      `DEVELOPMENT DEFAULT: the key store had no active ${alg} key; generated ${material.kid} with a self-signed ` +
        'certificate. For production import your own (keys.import, or `keys import`), and upload the certificate to ' +
        'relying parties that do not read the JWKS',
    );
  }

  // ---- reading: the hot paths ------------------------------------------------------------------

  async getActiveSigningKey(alg: SigningAlg = 'RS256'): Promise<ActiveSigningKey> {
    const key = (await this.current()).active.get(alg);
    if (key) return key;
    await this.initialize();
    await this.ensureActiveKey(alg);
    // The snapshot that missed may predate another instance's key: read the store again.
    this.invalidate();
    const created = (await this.current()).active.get(alg);
    if (!created) throw new Error(`the key store has no active ${alg} key after initialisation`);
    return created;
  }

  /** The JWKS: next, active, and retired keys within retention. The same object while unchanged. */
  async publishedJwks(): Promise<JsonWebKeySet> {
    return (await this.current()).jwks;
  }

  async getHmacSecret(name: string): Promise<HmacSecret> {
    const now = this.clock.now().getTime();
    const cached = this.secrets.get(name);
    if (cached && now < cached.expiresAt) return cached.value;
    const row = await this.hmacSecrets.findByName(name);
    if (!row) {
      this.secrets.delete(name);
      throw new NotFoundError(`no HS256 secret named "${name}": create it with POST /api/keys/secrets or \`keys secret generate ${name}\``);
    }
    const secret =
      cached?.sealed === row.secret_enc
        ? cached.value.secret
        : await openSecret(row.secret_enc, this.passphrase.value, `the HS256 secret "${name}"`);
    const value: HmacSecret = { name: row.name, kid: row.kid, secret };
    this.secrets.set(name, { sealed: row.secret_enc, value, expiresAt: now + this.config.keys.cacheTtlSeconds * 1000 });
    return value;
  }

  async list(): Promise<SigningKeyInfo[]> {
    const now = this.clock.now().getTime();
    return (await this.signingKeys.list()).map((row) => this.info(row, now));
  }

  async get(kid: string): Promise<SigningKeyInfo> {
    return this.info(await this.require(kid), this.clock.now().getTime());
  }

  async listHmacSecrets(): Promise<HmacSecretInfo[]> {
    return (await this.hmacSecrets.list()).map((row) => ({
      name: row.name,
      kid: row.kid,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    }));
  }

  // ---- adding keys ---------------------------------------------------------------------------

  async generate(options: AddKeyOptions = {}): Promise<SigningKeyInfo> {
    await this.checkNextSlotFree(options);
    return this.add(await this.generateMaterial(), 'generated', options);
  }

  async importPem(keyPem: string, certificatePem: string, options: AddKeyOptions = {}): Promise<SigningKeyInfo> {
    const privateKey = parsePrivateKeyPem(keyPem, 'key');
    const certificates = splitCertificatePems(certificatePem, 'certificate');
    return this.add(await buildSigningMaterial(privateKey, certificates, this.clock.now()), 'imported-pem', options);
  }

  async importPfx(der: Buffer, password: string, options: AddKeyOptions = {}): Promise<SigningKeyInfo> {
    const { privateKey, certificatePems } = readPfx(der, password);
    return this.add(await buildSigningMaterial(privateKey, certificatePems, this.clock.now()), 'imported-pfx', options);
  }

  /** Adds a `next` key (generated unless material is given): published now, signing after `promote`. */
  async rotate(source: KeySource = { kind: 'generate' }): Promise<SigningKeyInfo> {
    switch (source.kind) {
      case 'generate':
        return this.generate();
      case 'pem':
        return this.importPem(source.key, source.certificate);
      case 'pfx':
        return this.importPfx(source.pfx, source.password);
    }
  }

  private async checkNextSlotFree(options: AddKeyOptions, alg: SigningAlg = 'RS256'): Promise<void> {
    if (options.activate) return;
    const next = await this.signingKeys.findNext(alg);
    if (next && (await this.signingKeys.findActive(alg))) throw this.nextSlotTaken(next);
  }

  private nextSlotTaken(next: SigningKeyRow): ConflictError {
    return new ConflictError(
      `a next ${next.alg} key (${next.kid}) is already waiting to be promoted: promote it or retire it before adding another`,
      { kid: next.kid },
    );
  }

  private async add(material: SigningMaterial, source: SigningKeySource, options: AddKeyOptions): Promise<SigningKeyInfo> {
    const existing = await this.signingKeys.findByKid(material.kid);
    if (existing) throw this.duplicate(existing);
    // With no active key there is nothing to rotate from: the new key signs at once.
    const state: SigningKeyState = (await this.signingKeys.findActive(material.alg)) ? 'next' : 'active';
    if (state === 'next' && !options.activate) {
      const next = await this.signingKeys.findNext(material.alg);
      if (next) throw this.nextSlotTaken(next);
    }
    await this.insertRacing(material, source, state);
    this.invalidate();
    const inserted = await this.require(material.kid);
    this.logger.log(`added signing key ${material.kid} (${source}) as ${inserted.state}`);
    if (options.activate && inserted.state === 'next') return this.promote(material.kid, { force: true });
    return this.info(inserted, this.clock.now().getTime());
  }

  private async insertRacing(material: SigningMaterial, source: SigningKeySource, state: SigningKeyState): Promise<void> {
    try {
      await this.signingKeys.insert(this.rowFor(material, source, state));
    } catch (e) {
      if (!this.database.isUniqueViolation(e)) throw e;
      const existing = await this.signingKeys.findByKid(material.kid);
      if (existing) throw this.duplicate(existing);
      if (state === 'active') return this.insertRacing(material, source, 'next'); // another instance activated one first
      const next = await this.signingKeys.findNext(material.alg);
      if (next) throw this.nextSlotTaken(next);
      throw e;
    }
  }

  private duplicate(existing: SigningKeyRow): ConflictError {
    // RFC 7638 kids name key material: the same key cannot come back under its kid, retired or not.
    return new ConflictError(`this key is already in the store as ${existing.kid} (${existing.state}); a key is imported once`, {
      kid: existing.kid,
    });
  }

  private async generateMaterial(): Promise<SigningMaterial> {
    const now = this.clock.now();
    const privateKey = await this.generator.generate(this.config.keys.rsaBits);
    const certificate = createSelfSignedCertificate({
      privateKey,
      commonName: certificateCommonName(this.config.issuer),
      // Five minutes back: verifiers whose clocks run slow should not see a future certificate.
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + this.config.keys.certificateValidityDays * 86_400_000),
      serialNumber: this.random.bytes(16),
    });
    return buildSigningMaterial(privateKey, [certificate], now);
  }

  private rowFor(material: SigningMaterial, source: SigningKeySource, state: SigningKeyState): SigningKeyRow {
    const now = this.clock.now().getTime();
    this.privateKeys.set(material.kid, material.privateKey);
    return {
      kid: material.kid,
      alg: material.alg,
      state,
      source,
      public_jwk: JSON.stringify(material.publicJwk),
      certificate_pem: material.certificatePems.join(''),
      private_key_enc: encryptPrivateKey(material.privateKey, this.passphrase.value),
      certificate_not_before: material.notBefore.getTime(),
      certificate_not_after: material.notAfter.getTime(),
      created_at: now,
      activated_at: state === 'active' ? now : null,
      retired_at: null,
      publish_until: null,
    };
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * `next` → `active`; the active key becomes `retired` and stays published until
   * retiredAt + tokens.maxLifetimeSeconds + keys.retentionMarginSeconds: no token it signed can
   * outlive the lifetime cap. Without `force`, the key must have been published for
   * keys.minPublishedSecondsBeforePromotion, so that caching relying parties know it.
   */
  async promote(kid: string, options: { force?: boolean } = {}): Promise<SigningKeyInfo> {
    const row = await this.require(kid);
    if (row.state === 'active') throw new ConflictError(`key ${kid} is already active`, { kid });
    if (row.state === 'retired') throw new ConflictError(`key ${kid} is retired; a retired key does not come back: rotate in a new one`, { kid });
    const now = this.clock.now().getTime();
    const promotableAt = row.created_at + this.config.keys.minPublishedSecondsBeforePromotion * 1000;
    if (!options.force && now < promotableAt) {
      throw new ConflictError(
        `key ${kid} has been published for ${Math.floor((now - row.created_at) / 1000)} s; relying parties that cache the ` +
          `JWKS may not know it yet. Promote it after ${new Date(promotableAt).toISOString()} ` +
          `(keys.minPublishedSecondsBeforePromotion = ${this.config.keys.minPublishedSecondsBeforePromotion}), or force it`,
        { kid, promotableAt: new Date(promotableAt).toISOString() },
      );
    }
    const previous = await this.signingKeys.findActive(row.alg);
    let outcome: TransitionOutcome;
    try {
      outcome = await this.signingKeys.promote(kid, now, now + this.retentionSeconds() * 1000);
    } catch (e) {
      if (this.database.isUniqueViolation(e)) throw this.concurrentChange(kid);
      throw e;
    }
    this.invalidate();
    if (!outcome.ok) throw this.transitionRefused(kid, outcome);
    this.logger.log(`promoted signing key ${kid}${previous ? `; retired ${previous.kid}` : ''}`);
    return this.info(await this.require(kid), now);
  }

  /**
   * Retires a `next` key, which never signed and so leaves the JWKS at once. The active key is
   * retired only by promoting its successor: there is always one key that signs.
   */
  async retire(kid: string): Promise<SigningKeyInfo> {
    const row = await this.require(kid);
    if (row.state === 'active') {
      throw new ConflictError(
        `key ${kid} is the active key and cannot be retired on its own: rotate in a next key and promote it, which retires this one`,
        { kid },
      );
    }
    if (row.state === 'retired') throw new ConflictError(`key ${kid} is already retired`, { kid });
    const now = this.clock.now().getTime();
    const outcome = await this.signingKeys.retireNext(kid, now, now);
    this.invalidate();
    if (!outcome.ok) throw this.transitionRefused(kid, outcome);
    this.logger.log(`retired signing key ${kid} (it never signed)`);
    return this.info(outcome.row, now);
  }

  /** Seconds a retired key stays published: the lifetime cap plus the cache margin. */
  retentionSeconds(): number {
    return this.config.tokens.maxLifetimeSeconds + this.config.keys.retentionMarginSeconds;
  }

  private transitionRefused(kid: string, outcome: Exclude<TransitionOutcome, { ok: true }>): TesseraError {
    if (outcome.reason === 'not-found') return new NotFoundError(`no signing key with kid "${kid}"`);
    return new ConflictError(`key ${kid} is ${outcome.row?.state} now, not next (changed by another request?)`, { kid });
  }

  private concurrentChange(kid: string): ConflictError {
    return new ConflictError(`another change to the signing keys happened at the same time as this one on ${kid}; list the keys and retry`, { kid });
  }

  // ---- export --------------------------------------------------------------------------------

  /** PKCS#12 with the private key and certificate chain: what an operator uploads to B2C. */
  async exportPfx(kid: string, password: string): Promise<Buffer> {
    if (typeof password !== 'string' || password.length < MIN_PFX_PASSWORD_LENGTH) {
      throw InvalidRequestError.field('password', `must be at least ${MIN_PFX_PASSWORD_LENGTH} characters: the PFX carries the private key`);
    }
    const row = await this.require(kid);
    return writePfx(this.privateKeyFor(row), splitCertificatePems(row.certificate_pem), password, `Tessera ${kid}`);
  }

  /** The signing certificate (leaf only) as PEM: public, for relying parties that pin it. */
  async exportCertificatePem(kid: string): Promise<string> {
    return splitCertificatePems((await this.require(kid)).certificate_pem)[0];
  }

  // ---- HS256 secrets -------------------------------------------------------------------------

  /**
   * Sets (or generates) the HS256 secret `name` and returns it, the only time it is shown.
   * Generated: 32 random bytes in standard base64, as the B2C documentation makes one; the
   * HS256 key is the UTF-8 bytes of that string, which is what B2C does with a policy key.
   */
  async setHmacSecret(name: string, secret?: string): Promise<CreatedHmacSecret> {
    if (typeof name !== 'string' || !HMAC_SECRET_NAME.test(name)) {
      throw InvalidRequestError.field('name', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    if (secret !== undefined) {
      if (typeof secret !== 'string') throw InvalidRequestError.field('secret', 'must be a string');
      const bytes = Buffer.byteLength(secret, 'utf8');
      if (bytes < MIN_HMAC_SECRET_BYTES) {
        throw InvalidRequestError.field(
          'secret',
          `is ${bytes} bytes; an HS256 secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes (RFC 7518 §3.2). Leave it out to generate one`,
        );
      }
      if (bytes > MAX_HMAC_SECRET_BYTES) throw InvalidRequestError.field('secret', `must be at most ${MAX_HMAC_SECRET_BYTES} bytes`);
    }
    const value = secret ?? this.random.bytes(32).toString('base64');
    const now = this.clock.now().getTime();
    // A fresh kid with every value: a kid never names two different secrets.
    const kid = this.random.token(16);
    const sealed = await sealSecret(value, this.passphrase.value);
    const row = { name, kid, secret_enc: sealed, created_at: now, updated_at: now };
    let result: { replaced: boolean; createdAt: number };
    try {
      result = await this.hmacSecrets.upsert(row);
    } catch (e) {
      if (!this.database.isUniqueViolation(e)) throw e;
      result = await this.hmacSecrets.upsert(row); // created concurrently: now it exists, replace it
    }
    this.secrets.delete(name);
    this.logger.log(`${result.replaced ? 'replaced' : 'created'} HS256 secret "${name}" (kid ${kid})`);
    return { name, kid, secret: value, createdAt: new Date(result.createdAt).toISOString(), replaced: result.replaced };
  }

  // ---- start-time imports --------------------------------------------------------------------

  private async importConfiguredKeys(): Promise<void> {
    for (const [index, entry] of this.config.keys.import.entries()) {
      const at = `keys.import[${index}]`;
      const material = await this.readConfiguredKey(entry, at);
      const existing = await this.signingKeys.findByKid(material.kid);
      if (existing) {
        if (existing.state === 'retired') this.logger.warn(`${at}: key ${existing.kid} is retired; remove it from keys.import`);
        continue;
      }
      let info: SigningKeyInfo;
      try {
        info = await this.add(material, entry.pfx ? 'imported-pfx' : 'imported-pem', {});
      } catch (e) {
        if (e instanceof ConflictError && /already in the store/.test(e.description)) continue; // another instance imported it
        if (e instanceof TesseraError) throw new ConfigError([{ field: at, problem: e.description }]);
        throw e;
      }
      this.logger.log(
        info.state === 'next'
          ? `${at}: imported ${info.kid} as the next key; promote it (\`keys promote ${info.kid.startsWith('-') ? '-- ' : ''}${info.kid}\`) after ${info.promotableAt}`
          : `${at}: imported ${info.kid} as the active key`,
      );
    }
  }

  private async readConfiguredKey(entry: KeyImportConfig, at: string): Promise<SigningMaterial> {
    const problem = (field: string, text: string) => new ConfigError([{ field: `${at}.${field}`, problem: text }]);
    const read = (field: 'key' | 'cert' | 'pfx', path: string): Buffer => {
      try {
        return readFileSync(resolve(path));
      } catch (e) {
        throw problem(field, `cannot read ${resolve(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    // Refusals from the parsers name request fields; name the configuration fields instead.
    const rename = (e: unknown, fields: Record<string, string>): never => {
      if (e instanceof InvalidRequestError) {
        const details: FieldProblem[] = (e.details ?? [{ field: 'key', problem: e.description }]).map((d) => ({
          field: `${at}.${fields[d.field] ?? d.field}`,
          problem: d.problem,
        }));
        throw new ConfigError(details);
      }
      throw e;
    };
    const now = this.clock.now();
    if (entry.pfx) {
      if (entry.key || entry.cert) throw problem('pfx', 'give either pfx (with passwordEnv) or key + cert, not both');
      const password = entry.passwordEnv ? process.env[entry.passwordEnv] : '';
      if (password === undefined) throw problem('passwordEnv', `the environment variable ${entry.passwordEnv} is not set`);
      const der = read('pfx', entry.pfx);
      try {
        const { privateKey, certificatePems } = readPfx(der, password);
        return await buildSigningMaterial(privateKey, certificatePems, now);
      } catch (e) {
        return rename(e, { pfx: 'pfx', password: 'passwordEnv', key: 'pfx', certificate: 'pfx' });
      }
    }
    if (!entry.key || !entry.cert) throw problem(entry.key ? 'cert' : 'key', 'is required: give key + cert (PEM files), or pfx');
    const keyPem = read('key', entry.key).toString('utf8');
    const certPem = read('cert', entry.cert).toString('utf8');
    try {
      return await buildSigningMaterial(parsePrivateKeyPem(keyPem), splitCertificatePems(certPem), now);
    } catch (e) {
      return rename(e, { key: 'key', certificate: 'cert' });
    }
  }

  // ---- the in-memory snapshot ----------------------------------------------------------------

  /** Forget what this instance holds, after it changed the store itself. */
  invalidate(): void {
    this.generation++;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private current(): Promise<KeySnapshot> {
    const now = this.clock.now().getTime();
    const snapshot = this.snapshot;
    if (snapshot && now < snapshot.expiresAt) return Promise.resolve(snapshot);
    if (this.loading) return this.loading;
    const loading = this.load(now).finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
    return loading;
  }

  private async load(now: number): Promise<KeySnapshot> {
    const generation = this.generation;
    const rows = await this.signingKeys.listPublished(now);
    const rank: Record<SigningKeyState, number> = { active: 0, next: 1, retired: 2 };
    rows.sort((a, b) => rank[a.state] - rank[b.state] || b.created_at - a.created_at);
    const active = new Map<SigningAlg, ActiveSigningKey>();
    const keys: PublishedJwk[] = [];
    let expiresAt = now + this.config.keys.cacheTtlSeconds * 1000;
    for (const row of rows) {
      const jwk = JSON.parse(row.public_jwk) as PublishedJwk;
      keys.push(deepFreeze(jwk));
      if (row.state === 'active') {
        active.set(row.alg, Object.freeze({ kid: row.kid, alg: row.alg, privateKey: this.privateKeyFor(row), x5t: jwk.x5t }));
      }
      // A retired key leaves the JWKS at its publish_until, whatever the cache TTL says.
      if (row.state === 'retired' && row.publish_until !== null) expiresAt = Math.min(expiresAt, row.publish_until);
    }
    const snapshot: KeySnapshot = { expiresAt, active, jwks: Object.freeze({ keys: Object.freeze(keys) as PublishedJwk[] }) };
    if (generation === this.generation) this.snapshot = snapshot;
    return snapshot;
  }

  private privateKeyFor(row: SigningKeyRow): KeyObject {
    let key = this.privateKeys.get(row.kid);
    if (!key) {
      key = decryptPrivateKey(row.private_key_enc, this.passphrase.value, `the private key of signing key ${row.kid}`);
      this.privateKeys.set(row.kid, key);
    }
    return key;
  }

  private async require(kid: string): Promise<SigningKeyRow> {
    const row = typeof kid === 'string' ? await this.signingKeys.findByKid(kid) : undefined;
    if (!row) throw new NotFoundError(`no signing key with kid "${kid}"`);
    return row;
  }

  private info(row: SigningKeyRow, now: number): SigningKeyInfo {
    const leaf = new X509Certificate(splitCertificatePems(row.certificate_pem)[0]);
    const jwk = JSON.parse(row.public_jwk) as PublishedJwk;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      kid: row.kid,
      alg: row.alg,
      state: row.state,
      source: row.source,
      published: row.state !== 'retired' || (row.publish_until !== null && row.publish_until > now),
      createdAt: new Date(row.created_at).toISOString(),
      promotableAt: row.state === 'next' ? iso(row.created_at + this.config.keys.minPublishedSecondsBeforePromotion * 1000) : null,
      activatedAt: iso(row.activated_at),
      retiredAt: iso(row.retired_at),
      publishUntil: iso(row.publish_until),
      certificate: {
        subject: leaf.subject.replace(/\n/g, ', '),
        issuer: leaf.issuer.replace(/\n/g, ', '),
        serialNumber: leaf.serialNumber,
        notBefore: new Date(row.certificate_not_before).toISOString(),
        notAfter: new Date(row.certificate_not_after).toISOString(),
        x5t: jwk.x5t,
        'x5t#S256': jwk['x5t#S256'],
      },
    };
  }
}

/** RFC 5280 upper bound ub-common-name: 64 characters. */
function certificateCommonName(issuer: string): string {
  let host: string;
  try {
    host = new URL(issuer).host || issuer;
  } catch {
    host = issuer;
  }
  return `Tessera token signing ${host}`.slice(0, 64);
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
