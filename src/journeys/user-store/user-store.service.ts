import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { Random } from '../../common/random';
import { LocalAccountsRepository } from './local-accounts.repository';
import type { LocalAccountRow } from './local-accounts.tables';
import { PasswordHasher } from './password-hasher';

/** An account as the journeys see it: attributes by their directory names. */
export interface LocalAccount {
  objectId: string;
  email: string;
  hasPassword: boolean;
  attributes: Record<string, unknown>;
  createdAt: number;
}

export type CreateResult = { created: true; account: LocalAccount } | { created: false; existing: LocalAccount };

/** Longest password accepted: scrypt takes any length, but a megabyte of input is an attack. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Email addresses are compared as the sign-in name: trimmed, Unicode-normalized and lower-cased,
 * so that `Ada@Example.com` and `ada@example.com` are one account (B2C treats sign-in names
 * case-insensitively too).
 */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().normalize('NFC').toLowerCase();
  return email.length > 0 && email.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : undefined;
}

/**
 * The local account store: B2C's directory for the journeys (create by email with a password,
 * read by objectId or email, check a password). Passwords are hashed with `PasswordHasher`;
 * nothing here ever returns or logs one.
 */
@Injectable()
export class UserStoreService {
  constructor(
    private readonly repository: LocalAccountsRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Creates an account; when the address is taken (now or by a concurrent sign-up), says who has it. */
  async create(input: { email: string; password?: string; attributes: Record<string, unknown> }): Promise<CreateResult> {
    const email = normalizeEmail(input.email);
    if (!email) throw new Error('create: the email address is not valid');
    const existing = await this.repository.findByEmail(email);
    if (existing) return { created: false, existing: toAccount(existing) };
    const now = this.clock.now().getTime();
    const row = {
      object_id: this.random.uuid(),
      email,
      password_hash: input.password !== undefined ? await this.hasher.hash(input.password) : null,
      attributes: JSON.stringify(input.attributes),
      created_at: now,
      updated_at: now,
    };
    if (await this.repository.insert(row)) return { created: true, account: toAccount(row) };
    const winner = await this.repository.findByEmail(email);
    if (!winner) throw new Error('create: the address was taken and released again; retry');
    return { created: false, existing: toAccount(winner) };
  }

  async findByEmail(email: string): Promise<LocalAccount | undefined> {
    const normalized = normalizeEmail(email);
    const row = normalized ? await this.repository.findByEmail(normalized) : undefined;
    return row ? toAccount(row) : undefined;
  }

  async findByObjectId(objectId: string): Promise<LocalAccount | undefined> {
    const row = await this.repository.findByObjectId(objectId);
    return row ? toAccount(row) : undefined;
  }

  /**
   * The account when the password is right; undefined when the address has no account or the
   * password is wrong — which one is not said, and both take one hash's time.
   */
  async authenticate(email: string, password: string): Promise<LocalAccount | undefined> {
    const normalized = normalizeEmail(email);
    const row = normalized ? await this.repository.findByEmail(normalized) : undefined;
    if (!row?.password_hash) {
      await this.hasher.burn(password);
      return undefined;
    }
    if (!(await this.hasher.verify(password, row.password_hash))) return undefined;
    if (this.hasher.needsRehash(row.password_hash)) {
      // The configured cost went up since this hash was written: upgrade it now that the
      // password is at hand (OWASP Password Storage Cheat Sheet, "Upgrading legacy hashes").
      await this.repository.update(row.object_id, { passwordHash: await this.hasher.hash(password) }, this.clock.now().getTime());
    }
    return toAccount(row);
  }

  /** Changes attributes (merged into the stored ones) and, when given, the password. */
  async update(objectId: string, change: { password?: string; attributes: Record<string, unknown> }): Promise<LocalAccount | undefined> {
    const row = await this.repository.findByObjectId(objectId);
    if (!row) return undefined;
    const attributes = { ...(JSON.parse(row.attributes) as Record<string, unknown>), ...change.attributes };
    const passwordHash = change.password !== undefined ? await this.hasher.hash(change.password) : undefined;
    await this.repository.update(objectId, { attributes: JSON.stringify(attributes), ...(passwordHash ? { passwordHash } : {}) }, this.clock.now().getTime());
    return toAccount({ ...row, attributes: JSON.stringify(attributes), password_hash: passwordHash ?? row.password_hash });
  }
}

function toAccount(row: Pick<LocalAccountRow, 'object_id' | 'email' | 'password_hash' | 'attributes' | 'created_at'>): LocalAccount {
  return {
    objectId: row.object_id,
    email: row.email,
    hasPassword: row.password_hash !== null,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
