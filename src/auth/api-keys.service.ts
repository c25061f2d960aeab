import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ForbiddenError, InvalidRequestError, NotFoundError, type FieldProblem } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import { DatabaseService } from '../persistence/database.service';
import {
  API_KEY_SECRET_BYTES,
  displayPrefix,
  formatApiKey,
  apiKeyDigest,
  digestsEqual,
  hashApiKey,
  parseApiKey,
} from './api-key-format';
import { ApiKeysRepository, type ApiKeyRecord } from './api-keys.repository';
import { missingScopes, normalizeScopes, scopeListProblems } from './scope-check';
import { ALL_SCOPES, type Principal } from './scopes';

/** An API key as callers may see it: no hash, no secret. */
export type ApiKey = Omit<ApiKeyRecord, 'keyHash'>;

/** The result of creating a key: `key` is the plaintext, shown this once and never again. */
export interface CreatedApiKey {
  key: string;
  apiKey: ApiKey;
}

export interface NewApiKey {
  name: string;
  scopes: string[];
}

/** TESSERA_ADMIN_API_KEY authenticates as this principal; it is never written to the database. */
export const ENVIRONMENT_PRINCIPAL: Readonly<Principal> = Object.freeze({ keyId: 'env', name: 'environment', scopes: [ALL_SCOPES] });

/** Who acts when an operator runs the command line on the server's own configuration. */
export const CLI_PRINCIPAL: Readonly<Principal> = Object.freeze({ keyId: 'cli', name: 'command line', scopes: [ALL_SCOPES] });

export const NAME_MAX_LENGTH = 100;

/**
 * `last_used_at` is written at most once a minute per key: enough to tell a live key from a
 * forgotten one, without turning every admin request into a database write.
 */
const LAST_USED_RESOLUTION_MS = 60_000;

/** 8 random bytes: unique enough for a primary key (a collision is a unique violation, not a mix-up). */
const ID_BYTES = 8;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');
  /** SHA-256 of TESSERA_ADMIN_API_KEY, computed once rather than on every request. */
  private environmentKey?: { key: string; hash: Buffer };

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly database: DatabaseService,
    private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /**
   * Creates a key on behalf of `grantor`, who can hand out only scopes it holds itself, so an
   * `api-keys:admin` key cannot mint a key more powerful than it is.
   */
  async create(input: NewApiKey, grantor: Principal): Promise<CreatedApiKey> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    const scopes = Array.isArray(input.scopes) ? input.scopes.map((s) => String(s).trim()) : [];
    const problems: FieldProblem[] = [];
    if (!name) problems.push({ field: 'name', problem: 'must not be empty' });
    else if (name.length > NAME_MAX_LENGTH) problems.push({ field: 'name', problem: `must be at most ${NAME_MAX_LENGTH} characters` });
    for (const problem of scopeListProblems(scopes)) problems.push({ field: 'scopes', problem });
    if (problems.length) throw InvalidRequestError.fields(problems);

    const granted = normalizeScopes(scopes);
    const beyond = beyondGrantor(grantor, granted);
    if (beyond.length) {
      throw new ForbiddenError(`a key can only grant scopes it holds itself; this one lacks ${beyond.join(', ')}`, beyond);
    }
    const created = await this.insert(name, granted, grantor.keyId);
    this.logger.log(`API key ${created.apiKey.id} ("${name}") created by ${grantor.keyId} with scopes ${granted.join(' ')}`);
    return created;
  }

  async list(): Promise<ApiKey[]> {
    return (await this.repository.list()).map(withoutHash);
  }

  async get(id: string): Promise<ApiKey> {
    const record = await this.repository.findById(id);
    if (!record) throw new NotFoundError(`no API key with id "${id}"`);
    return withoutHash(record);
  }

  /**
   * Revoking an already revoked key changes nothing and is not an error. As with `create`, a key
   * acts only on keys within its own scopes: an `api-keys:admin` key cannot switch off a key more
   * powerful than itself (the `*` key, say).
   */
  async revoke(id: string, by: Principal): Promise<ApiKey> {
    const target = await this.get(id);
    const beyond = beyondGrantor(by, target.scopes);
    if (beyond.length) {
      throw new ForbiddenError(`a key can only revoke keys whose scopes it holds itself; this one lacks ${beyond.join(', ')}`, beyond);
    }
    const revoked = await this.repository.revoke(id, this.clock.now(), by.keyId);
    const key = await this.get(id);
    if (revoked) this.logger.log(`API key ${id} ("${key.name}") revoked by ${by.keyId}`);
    return key;
  }

  /**
   * The principal a presented bearer key stands for, or `null`. Unknown, malformed and revoked
   * keys are indistinguishable to the caller: the guard answers all three with the same 401.
   */
  async authenticate(presented: string): Promise<Principal | null> {
    // One digest of the presented key serves both comparisons, each in constant time.
    const presentedHash = apiKeyDigest(presented);
    const environmentKeyHash = this.environmentKeyHash();
    if (environmentKeyHash && digestsEqual(environmentKeyHash, presentedHash)) {
      return { ...ENVIRONMENT_PRINCIPAL, scopes: [...ENVIRONMENT_PRINCIPAL.scopes] };
    }
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const record = await this.repository.findById(parsed.id);
    if (!record || !digestsEqual(record.keyHash, presentedHash) || record.revokedAt) return null;
    const now = this.clock.now();
    await this.repository.touch(record.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
    return { keyId: record.id, name: record.name, scopes: record.scopes };
  }

  private environmentKeyHash(): Buffer | undefined {
    const key = this.config.adminApiKey;
    if (!key) return undefined;
    if (this.environmentKey?.key !== key) this.environmentKey = { key, hash: apiKeyDigest(key) };
    return this.environmentKey.hash;
  }

  /**
   * First start: when no key is provisioned from the environment and none is active in the
   * store, create one with every scope. Of several instances starting together on one database,
   * exactly one gets the key back (the others lose the unique `first_start_seq` insert and get
   * `null`), so exactly one prints it.
   */
  async createFirstStartKey(): Promise<CreatedApiKey | null> {
    if (this.config.adminApiKey) return null;
    const state = await this.repository.firstStartState();
    if (state.activeKeys > 0) return null;
    try {
      const created = await this.insert('first-start admin key', [ALL_SCOPES], 'first-start', state.lastFirstStartSeq + 1);
      this.logger.log(`API key ${created.apiKey.id} created at first start with every scope`);
      return created;
    } catch (error) {
      if (this.database.isUniqueViolation(error)) return null;
      throw error;
    }
  }

  private async insert(name: string, scopes: string[], createdBy: string, firstStartSeq?: number): Promise<CreatedApiKey> {
    const id = this.random.bytes(ID_BYTES).toString('hex');
    const secret = this.random.bytes(API_KEY_SECRET_BYTES).toString('base64url');
    const key = formatApiKey(id, secret);
    const record: ApiKeyRecord = {
      id,
      name,
      prefix: displayPrefix(id, secret),
      keyHash: hashApiKey(key),
      scopes,
      createdAt: this.clock.now(),
      createdBy,
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.repository.insert({ ...record, firstStartSeq });
    return { key, apiKey: withoutHash(record) };
  }
}

/** The scopes in `scopes` that `principal` does not hold itself (`*` only by a `*` key). */
function beyondGrantor(principal: Principal, scopes: readonly string[]): string[] {
  return scopes.includes(ALL_SCOPES) && !principal.scopes.includes(ALL_SCOPES) ? [ALL_SCOPES] : missingScopes(principal.scopes, scopes);
}

function withoutHash(record: ApiKeyRecord): ApiKey {
  const { keyHash, ...rest } = record;
  void keyHash;
  return rest;
}
