import { Injectable } from '@nestjs/common';
import { type Expression, type ExpressionBuilder, type Insertable, type SqlBool } from 'kysely';
import { CompiledInsert } from '../persistence/compiled-insert';
import { GroupCommit } from '../persistence/group-commit';
import { DatabaseService } from '../persistence/database.service';
import type { Database, Db } from '../persistence/database';
import type { InvitationStatus } from './invitation-status';
import { LIVE_STATUSES } from './invitation-status';
import type {
  InvitationEventRow,
  InvitationEventsTable,
  InvitationRow,
  InvitationTokenRow,
  InvitationTokensTable,
  NewInvitationRow,
  StoredInvitationStatus,
} from './invitations.tables';

/** What is stored of a new token version besides the invitation's own columns. */
export interface NewToken {
  codeHash: string | null;
  kid?: string;
  alg?: string;
}

export interface NewEvent {
  invitationId: string;
  type: string;
  actor: string;
  at: number;
  data?: Record<string, unknown>;
}

export interface InvitationFilter {
  status?: InvitationStatus;
  email?: string;
  relyingParty?: string;
}

/** Keyset position: the last row of the previous page, newest first. */
export interface ListCursor {
  createdAt: number;
  id: string;
}

/**
 * Every query on the invitation tables. Methods that take an `executor` run inside the caller's
 * transaction (a Kysely `Transaction` is a `Kysely`), so several writes commit together.
 */
@Injectable()
export class InvitationsRepository {
  // The statements every create runs, compiled once (see CompiledInsert).
  private readonly insertInvitation: CompiledInsert<NewInvitationRow, { id: string }>;
  private readonly insertTokens: CompiledInsert<Insertable<InvitationTokensTable>, unknown>;
  private readonly insertEvents: CompiledInsert<Insertable<InvitationEventsTable>, unknown>;
  private readonly groupCommit: GroupCommit;

  constructor(private readonly database: DatabaseService) {
    this.insertInvitation = new CompiledInsert(database.db, (db, rows: NewInvitationRow[]) =>
      db.insertInto('invitations').values(rows).onConflict((oc) => oc.doNothing()).returning('id'),
    );
    this.insertTokens = new CompiledInsert(database.db, (db, rows: Insertable<InvitationTokensTable>[]) => db.insertInto('invitation_tokens').values(rows));
    this.insertEvents = new CompiledInsert(database.db, (db, rows: Insertable<InvitationEventsTable>[]) => db.insertInto('invitation_events').values(rows));
    this.groupCommit = new GroupCommit(database);
  }

  /**
   * Runs `work` as a transaction of its own, committed together with the creations that arrive
   * meanwhile (see GroupCommit): for the many small, independent writes of invitation creation.
   */
  inGroupCommit<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.groupCommit.run(work);
  }

  get db(): Db {
    return this.database.db;
  }

  isUniqueViolation(error: unknown): boolean {
    return this.database.isUniqueViolation(error);
  }

  /**
   * Inserts an invitation and its first token version. False when the (email, relying party)
   * slot was taken meanwhile: ON CONFLICT DO NOTHING rather than a unique violation, because on
   * PostgreSQL a failed statement aborts the caller's whole transaction (bulk import), and the
   * loser of that race only needs a 409.
   */
  async insert(executor: Db, row: NewInvitationRow, token: NewToken): Promise<boolean> {
    const [inserted] = await this.insertInvitation.execute(executor, [row]);
    if (!inserted) return false;
    await this.insertTokens.execute(executor, [tokenRow(row, token)]);
    return true;
  }

  /**
   * `insert` for many invitations, a few statements for all of them (bulk import). Returns the
   * ids inserted; the others found their slot taken and are left to the caller, as with `insert`.
   */
  async insertMany(executor: Db, items: { row: NewInvitationRow; token: NewToken }[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    // 18 columns a row: 200 rows stay far below SQLite's and PostgreSQL's bound-parameter limits.
    for (let i = 0; i < items.length; i += 200) {
      const chunk = items.slice(i, i + 200);
      const rows = await executor
        .insertInto('invitations')
        .values(chunk.map((item) => item.row))
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      for (const r of rows) inserted.add(r.id);
      const tokens = chunk.filter((item) => inserted.has(item.row.id)).map((item) => tokenRow(item.row, item.token));
      if (tokens.length) await executor.insertInto('invitation_tokens').values(tokens).execute();
    }
    return inserted;
  }

  async addEvent(executor: Db, event: NewEvent): Promise<void> {
    await this.addEvents(executor, [event]);
  }

  /** Several events in one statement (a few for very many), in order. */
  async addEvents(executor: Db, events: NewEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 1000) {
      await this.insertEvents.execute(
        executor,
        events.slice(i, i + 1000).map((event) => ({
          invitation_id: event.invitationId,
          type: event.type,
          actor: event.actor,
          at: event.at,
          data: event.data ? JSON.stringify(event.data) : null,
        })),
      );
    }
  }

  /** The invitation holding the (email, relying party) slot: pending or opened, expired or not. */
  async findLive(executor: Db, email: string, relyingParty: string): Promise<InvitationRow | undefined> {
    return executor
      .selectFrom('invitations')
      .selectAll()
      .where('email', '=', email)
      .where('relying_party', '=', relyingParty)
      .where('status', 'in', LIVE_STATUSES)
      .executeTakeFirst();
  }

  /**
   * Writes down that a live row has expired, freeing its (email, relying party) slot. Returns
   * false if it had not expired or another request got there first.
   */
  async markExpired(executor: Db, id: string, nowMs: number): Promise<boolean> {
    const result = await executor
      .updateTable('invitations')
      .set({ status: 'expired', updated_at: nowMs })
      .where('id', '=', id)
      .where('status', 'in', LIVE_STATUSES)
      .where('expires_at', '<=', nowMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async findById(id: string, executor: Db = this.db): Promise<InvitationRow | undefined> {
    return executor.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByCodeHash(codeHash: string): Promise<InvitationRow | undefined> {
    return this.db.selectFrom('invitations').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  async findByCurrentJti(jti: string): Promise<InvitationRow | undefined> {
    return this.db.selectFrom('invitations').selectAll().where('current_jti', '=', jti).executeTakeFirst();
  }

  async findToken(jti: string): Promise<InvitationTokenRow | undefined> {
    return this.db.selectFrom('invitation_tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
  }

  async findTokenByCodeHash(codeHash: string): Promise<InvitationTokenRow | undefined> {
    return this.db.selectFrom('invitation_tokens').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  async tokens(invitationId: string): Promise<InvitationTokenRow[]> {
    return this.db.selectFrom('invitation_tokens').selectAll().where('invitation_id', '=', invitationId).orderBy('version', 'asc').execute();
  }

  async events(invitationId: string): Promise<InvitationEventRow[]> {
    return this.db.selectFrom('invitation_events').selectAll().where('invitation_id', '=', invitationId).orderBy('id', 'asc').execute();
  }

  /** Newest first, keyset-paged; `status` is the effective status at `nowMs`. */
  async list(filter: InvitationFilter, nowMs: number, limit: number, after?: ListCursor): Promise<InvitationRow[]> {
    let query = this.db.selectFrom('invitations').selectAll();
    if (filter.email) query = query.where('email', '=', filter.email);
    if (filter.relyingParty) query = query.where('relying_party', '=', filter.relyingParty);
    if (filter.status) query = query.where((eb) => effectiveStatusIs(eb, filter.status as InvitationStatus, nowMs));
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Records the first visit; idempotent, and never touches an unusable invitation. */
  async markOpened(executor: Db, id: string, nowMs: number): Promise<boolean> {
    const result = await executor
      .updateTable('invitations')
      .set({ status: 'opened', opened_at: nowMs, updated_at: nowMs })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', nowMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * The redemption itself: one conditional UPDATE. Of any number of concurrent calls exactly one
   * matches the row (SQLite serialises writers; PostgreSQL re-checks the WHERE clause after the
   * winner's row lock is released, READ COMMITTED §13.2.1), so there is no read-then-write race.
   */
  async redeem(executor: Db, jti: string, nowMs: number): Promise<InvitationRow | undefined> {
    return executor
      .updateTable('invitations')
      .set({ status: 'redeemed', redeemed_at: nowMs, updated_at: nowMs })
      .where('current_jti', '=', jti)
      .where('status', 'in', LIVE_STATUSES)
      .where('expires_at', '>', nowMs)
      .returningAll()
      .executeTakeFirst();
  }

  async revoke(executor: Db, id: string, nowMs: number): Promise<InvitationRow | undefined> {
    return executor
      .updateTable('invitations')
      .set({ status: 'revoked', revoked_at: nowMs, updated_at: nowMs })
      .where('id', '=', id)
      .where('status', 'in', [...LIVE_STATUSES, 'expired'])
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Moves an invitation to a new token version (resend). Conditional on the version the caller
   * read, so two concurrent resends cannot both win; the old token is marked superseded in the
   * same transaction, which is what makes its jti stop working at once.
   */
  async rotate(
    executor: Db,
    current: InvitationRow,
    next: { jti: string; codeHash: string | null; kid?: string; alg?: string; expiresAt: number; status: StoredInvitationStatus; locale: string },
    nowMs: number,
  ): Promise<InvitationRow | undefined> {
    const updated = await executor
      .updateTable('invitations')
      .set({
        current_jti: next.jti,
        code_hash: next.codeHash,
        version: current.version + 1,
        expires_at: next.expiresAt,
        status: next.status,
        locale: next.locale,
        updated_at: nowMs,
      })
      .where('id', '=', current.id)
      .where('version', '=', current.version)
      .where('status', 'in', [...LIVE_STATUSES, 'expired'])
      .returningAll()
      .executeTakeFirst();
    if (!updated) return undefined;
    await executor
      .updateTable('invitation_tokens')
      .set({ superseded_at: nowMs })
      .where('invitation_id', '=', current.id)
      .where('superseded_at', 'is', null)
      .execute();
    await executor
      .insertInto('invitation_tokens')
      .values({
        jti: next.jti,
        invitation_id: current.id,
        version: updated.version,
        code_hash: next.codeHash,
        kid: next.kid ?? null,
        alg: next.alg ?? null,
        issued_at: nowMs,
        last_minted_at: next.kid ? nowMs : null,
        superseded_at: null,
      })
      .execute();
    return updated;
  }

  /** Notes which key signed the latest hint of a token version (landing mode mints per click). */
  async recordMint(executor: Db, jti: string, kid: string, alg: string, nowMs: number): Promise<void> {
    await executor.updateTable('invitation_tokens').set({ kid, alg, last_minted_at: nowMs }).where('jti', '=', jti).execute();
  }

  /**
   * The stored value of the named secret, created on first use; every instance reads the same
   * value (of two creating it at once, the first insert wins and both read it back).
   */
  async secret(name: string, create: () => Promise<string>, nowMs: number): Promise<string> {
    const existing = await this.db.selectFrom('invitation_secrets').select('value').where('name', '=', name).executeTakeFirst();
    if (existing) return existing.value;
    await this.db
      .insertInto('invitation_secrets')
      .values({ name, value: await create(), created_at: nowMs })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('invitation_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }

  /** Replaces a secret's stored value if it is still `from`; false when another instance changed it first. */
  async replaceSecret(name: string, from: string, to: string): Promise<boolean> {
    const result = await this.db.updateTable('invitation_secrets').set({ value: to }).where('name', '=', name).where('value', '=', from).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function effectiveStatusIs(
  eb: ExpressionBuilder<Database, 'invitations'>,
  status: InvitationStatus,
  nowMs: number,
): Expression<SqlBool> {
  switch (status) {
    case 'pending':
    case 'opened':
      return eb.and([eb('status', '=', status), eb('expires_at', '>', nowMs)]);
    case 'expired':
      return eb.or([eb('status', '=', 'expired'), eb.and([eb('status', 'in', LIVE_STATUSES), eb('expires_at', '<=', nowMs)])]);
    default:
      return eb('status', '=', status);
  }
}

function tokenRow(row: NewInvitationRow, token: NewToken): Insertable<InvitationTokensTable> {
  return {
    jti: row.current_jti,
    invitation_id: row.id,
    version: row.version,
    code_hash: token.codeHash,
    kid: token.kid ?? null,
    alg: token.alg ?? null,
    issued_at: row.created_at,
    last_minted_at: token.kid ? row.created_at : null,
    superseded_at: null,
  };
}
