import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DatabaseService } from '../persistence/database.service';
import type { SigningKeyTable } from './keys.tables';

export type SigningKeyRow = Selectable<SigningKeyTable>;

/** Why a state change did not happen; the service turns it into a message for the operator. */
export type TransitionOutcome =
  | { ok: true; row: SigningKeyRow }
  | { ok: false; reason: 'not-found' | 'wrong-state'; row?: SigningKeyRow };

/** The `signing_keys` table. Every state change is one transaction. */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly database: DatabaseService) {}

  private get db() {
    return this.database.db;
  }

  async findByKid(kid: string): Promise<SigningKeyRow | undefined> {
    return this.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
  }

  async findActive(alg: SigningKeyRow['alg']): Promise<SigningKeyRow | undefined> {
    return this.db.selectFrom('signing_keys').selectAll().where('alg', '=', alg).where('state', '=', 'active').executeTakeFirst();
  }

  async findNext(alg: SigningKeyRow['alg']): Promise<SigningKeyRow | undefined> {
    return this.db.selectFrom('signing_keys').selectAll().where('alg', '=', alg).where('state', '=', 'next').executeTakeFirst();
  }

  /** Every key, newest first. */
  async list(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
  }

  /** Keys in the JWKS at `now`: next, active, and retired ones still within their retention. */
  async listPublished(now: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('state', 'in', ['next', 'active']), eb.and([eb('state', '=', 'retired'), eb('publish_until', '>', now)])]))
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
  }

  /**
   * Inserts a new key. A unique violation means the kid exists already, or another key holds the
   * one `active`/`next` place for the algorithm: the caller decides which by reading again.
   */
  async insert(row: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(row).execute();
  }

  /**
   * Makes a `next` key active and retires the active one, atomically: readers see one active
   * key before and one after, never none or two (the partial unique index refuses a second).
   */
  async promote(kid: string, now: number, retiredPublishUntil: number): Promise<TransitionOutcome> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // The first statement writes: SQLite then takes the write lock up front, waiting out
        // another writer (busy_timeout) instead of failing with SQLITE_BUSY on a read-to-write
        // upgrade; PostgreSQL re-checks each WHERE after waiting on a row another promotion holds.
        await trx
          .updateTable('signing_keys')
          .set({ state: 'retired', retired_at: now, publish_until: retiredPublishUntil })
          .where('state', '=', 'active')
          .where('alg', 'in', (eb) => eb.selectFrom('signing_keys as n').select('n.alg').where('n.kid', '=', kid).where('n.state', '=', 'next'))
          .execute();
        const updated = await trx
          .updateTable('signing_keys')
          .set({ state: 'active', activated_at: now })
          .where('kid', '=', kid)
          .where('state', '=', 'next')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new NotApplied();
      });
    } catch (e) {
      if (e instanceof NotApplied) return this.refusal(kid);
      throw e;
    }
    return { ok: true, row: (await this.findByKid(kid))! };
  }

  /** Retires a `next` key (which never signed) so that it leaves the JWKS at `publishUntil`. */
  async retireNext(kid: string, now: number, publishUntil: number): Promise<TransitionOutcome> {
    const updated = await this.db
      .updateTable('signing_keys')
      .set({ state: 'retired', retired_at: now, publish_until: publishUntil })
      .where('kid', '=', kid)
      .where('state', '=', 'next')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return this.refusal(kid);
    return { ok: true, row: (await this.findByKid(kid))! };
  }

  private async refusal(kid: string): Promise<TransitionOutcome> {
    const row = await this.findByKid(kid);
    return row ? { ok: false, reason: 'wrong-state', row } : { ok: false, reason: 'not-found' };
  }
}

/** Rolls a transition back when its key was not in the state it needs. */
class NotApplied extends Error {}
