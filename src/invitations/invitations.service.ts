import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ConflictError, InvalidRequestError, NotFoundError, type FieldProblem } from '../common/errors';
import { Random } from '../common/random';
import type { Db } from '../persistence/database';
import type { Locale } from '../relying-parties/relying-parties.config';
import { RelyingPartiesService, RelyingPartyUnavailableError } from '../relying-parties/relying-parties.service';
import type { RelyingParty } from '../relying-parties/relying-party';
import {
  checkClaims,
  checkEmailDomain,
  lifetimeSeconds,
  normalizeEmail,
  optionalBoolean,
  optionalLocale,
  optionalText,
  type ClaimValue,
} from './invitation-input';
import { InvitationLinksService, type HintSource, type MintedHint } from './invitation-links.service';
import { InvitationMailer } from './invitation-mailer.service';
import { effectiveStatus, INVITATION_STATUSES, type InvitationStatus } from './invitation-status';
import { toEventView, toInvitationView, toTokenView, type InvitationDetailView, type InvitationView } from './invitation.view';
import { InvitationsRepository, type ListCursor, type NewEvent } from './invitations.repository';
import type { InvitationRow, NewInvitationRow } from './invitations.tables';

/** One invitation request, as the API or a bulk row gives it: nothing is trusted yet. */
export interface CreateInvitationInput {
  email?: unknown;
  name?: unknown;
  /** Who the email and landing page say invited them. */
  inviterName?: unknown;
  claims?: unknown;
  relyingParty?: unknown;
  /** Seconds; default and cap come from the relying party. */
  expiresIn?: unknown;
  locale?: unknown;
  /** Queue the email (default true). */
  send?: unknown;
  /** Revoke a live invitation for the same person and relying party instead of refusing (default false). */
  supersede?: unknown;
}

/** A request that passed every check that needs no database. */
export interface PreparedInvitation {
  email: string;
  name?: string;
  inviterName?: string;
  claims: Record<string, ClaimValue>;
  relyingParty: RelyingParty;
  lifetimeSeconds: number;
  locale: Locale;
  send: boolean;
  supersede: boolean;
}

export interface CreateOptions {
  /**
   * Run inside the caller's transaction; default: a transaction of its own. Staging (key store
   * reads) happens first either way, so on SQLite a caller that holds a transaction should use
   * `stage` + `persist` instead (see `stage`).
   */
  executor?: Db;
  /** Validate and check for a conflict, write nothing, mint nothing, send nothing. */
  dryRun?: boolean;
  /** Prefix for field names in errors, e.g. `rows[3].` */
  fieldPrefix?: string;
}

export interface IssuedInvitation {
  invitation: InvitationView;
  /**
   * The link the email carries: the landing URL with its code, or in direct mode the sign-up URL
   * with the hint. Returned only here, to the caller that created the version; never stored.
   * Absent on a dry run.
   */
  link?: string;
  mail: 'queued' | 'skipped';
  dryRun: boolean;
}

/** An invitation checked and given its link, not yet written: see `InvitationsService.stage`. */
export interface StagedInvitation {
  readonly prepared: PreparedInvitation;
  readonly row: NewInvitationRow;
  readonly issued: IssuedLink;
  readonly actor: string;
  readonly now: number;
}

export interface ResendInput {
  expiresIn?: unknown;
  locale?: unknown;
  send?: unknown;
}

export interface ListQuery {
  status?: InvitationStatus;
  email?: string;
  relyingParty?: string;
  limit?: number;
  cursor?: string;
}

export const LIST_LIMITS = { default: 50, max: 200 } as const;

/** A link of the new token version, and what the database must remember of it. */
export interface IssuedLink {
  link: string;
  codeHash: string | null;
  hint?: MintedHint;
}

/** The invitation lifecycle: create, resend, revoke, read. Redemption is `RedemptionService`. */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly repository: InvitationsRepository,
    private readonly relyingParties: RelyingPartiesService,
    private readonly links: InvitationLinksService,
    private readonly mailer: InvitationMailer,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Every check that needs no database, all problems at once; throws a 400 naming each field. */
  prepare(input: CreateInvitationInput, fieldPrefix = ''): PreparedInvitation {
    const problems: FieldProblem[] = [];
    const f = (name: string) => `${fieldPrefix}${name}`;
    if (input === null || typeof input !== 'object') throw InvalidRequestError.field(fieldPrefix.replace(/\.$/, '') || 'body', 'must be a JSON object');
    const email = normalizeEmail(input.email, f('email'), problems);
    const name = optionalText(input.name, f('name'), problems);
    const inviterName = optionalText(input.inviterName, f('inviterName'), problems);
    let rp: RelyingParty | undefined;
    if (typeof input.relyingParty !== 'string' || input.relyingParty === '') {
      problems.push({ field: f('relyingParty'), problem: 'is required: the id of a configured relying party' });
    } else {
      try {
        rp = this.relyingParties.get(input.relyingParty, f('relyingParty'));
      } catch (e) {
        if (!(e instanceof InvalidRequestError)) throw e;
        problems.push(...(e.details ?? []));
      }
    }
    const lifetime = lifetimeSeconds(input.expiresIn, rp, f('expiresIn'), problems);
    const locale = optionalLocale(input.locale, rp?.defaultLocale ?? 'en', f('locale'), problems);
    const send = optionalBoolean(input.send, true, f('send'), problems);
    const supersede = optionalBoolean(input.supersede, false, f('supersede'), problems);
    const claims = rp ? checkClaims(rp, input.claims, f('claims'), problems) : {};
    if (rp && email) checkEmailDomain(rp, email, f('email'), problems);
    if (problems.length || !rp || !email || lifetime === undefined) throw InvalidRequestError.fields(problems);
    return { email, name, inviterName, claims, relyingParty: rp, lifetimeSeconds: lifetime, locale, send, supersede };
  }

  /**
   * Creates an invitation, its first token version and (unless `send: false`) its email, in one
   * transaction: either all of it exists afterwards or none. A live invitation for the same
   * person and relying party is a 409 naming it, unless `supersede` revokes it in the same
   * transaction.
   */
  async create(input: CreateInvitationInput, actor: string, options: CreateOptions = {}): Promise<IssuedInvitation> {
    if (options.dryRun) {
      const prepared = this.prepare(input, options.fieldPrefix);
      const rp = prepared.relyingParty;
      await this.relyingParties.assertCanSign(rp);
      const now = this.clock.now().getTime();
      const row = this.newRow(prepared, actor, now);
      const live = await this.repository.findLive(options.executor ?? this.repository.db, row.email, rp.id);
      if (live && effectiveStatus(live, now) !== 'expired' && !prepared.supersede) throw conflictWith(live, rp);
      return { invitation: toInvitationView(row as InvitationRow, now), mail: prepared.send ? 'queued' : 'skipped', dryRun: true };
    }
    const staged = await this.stage(input, actor, options.fieldPrefix);
    return options.executor
      ? this.persist(options.executor, staged)
      : this.repository.inGroupCommit((trx) => this.persist(trx, staged));
  }

  /**
   * The half of `create` that needs no transaction: the checks, the row, and the link (a direct
   * link's hint is signed here). Nothing is written. Callers that write many invitations in one
   * transaction (bulk import) stage them first: staging may read the key store through the
   * database, which must not happen while their transaction holds SQLite's one connection.
   */
  async stage(input: CreateInvitationInput, actor: string, fieldPrefix = ''): Promise<StagedInvitation> {
    const prepared = this.prepare(input, fieldPrefix);
    await this.relyingParties.assertCanSign(prepared.relyingParty);
    const now = this.clock.now().getTime();
    const row = this.newRow(prepared, actor, now);
    const issued = await this.issueLink(hintSource(row as InvitationRow), prepared.relyingParty);
    row.code_hash = issued.codeHash;
    return { prepared, row, issued, actor, now };
  }

  /**
   * The transactional half of `create`: writes a staged invitation, its token version, events and
   * email through `executor` (the caller's transaction). A 409 when the slot is held, as `create`.
   */
  async persist(executor: Db, staged: StagedInvitation): Promise<IssuedInvitation> {
    const { prepared, row, issued, actor, now } = staged;
    const rp = prepared.relyingParty;
    const token = { codeHash: issued.codeHash, kid: issued.hint?.kid, alg: issued.hint?.alg };
    // Insert first: the slot is usually free, and looking only when it is not saves a query
    // per invitation. The slot's holder is then dealt with and the insert tried once more.
    if (!(await this.repository.insert(executor, row, token))) {
      await this.clearSlot(executor, row.email, rp, prepared.supersede, row.id, actor, now);
      if (!(await this.repository.insert(executor, row, token))) {
        const winner = await this.repository.findLive(executor, row.email, rp.id);
        throw winner ? conflictWith(winner, rp) : new ConflictError('an invitation for this person was created at the same time; retry');
      }
    }
    const stored = row as InvitationRow;
    const events: NewEvent[] = [createdEvent(stored, rp, issued, actor, now)];
    if (prepared.send) events.push(await this.queueMail(executor, stored, rp, issued.link, actor, now));
    await this.repository.addEvents(executor, events);
    return { invitation: toInvitationView(stored, now), link: issued.link, mail: prepared.send ? 'queued' : 'skipped', dryRun: false };
  }

  /**
   * `persist` for many staged invitations through one transaction (bulk import): the ones whose
   * slot is free are inserted a few statements for all of them; the others go through `persist`
   * one by one (an expired holder is moved aside, a live one is a conflict). One outcome per
   * staged invitation, in order: what `persist` returns, or the ConflictError it would throw.
   */
  async persistMany(executor: Db, staged: StagedInvitation[]): Promise<(IssuedInvitation | ConflictError)[]> {
    const inserted = await this.repository.insertMany(
      executor,
      staged.map((s) => ({ row: s.row, token: { codeHash: s.issued.codeHash, kid: s.issued.hint?.kid, alg: s.issued.hint?.alg } })),
    );
    const outcomes: (IssuedInvitation | ConflictError)[] = [];
    const events: NewEvent[] = [];
    for (const s of staged) {
      if (!inserted.has(s.row.id)) {
        try {
          outcomes.push(await this.persist(executor, s));
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          outcomes.push(e);
        }
        continue;
      }
      const { prepared, row, issued, actor, now } = s;
      const stored = row as InvitationRow;
      events.push(createdEvent(stored, prepared.relyingParty, issued, actor, now));
      if (prepared.send) events.push(await this.queueMail(executor, stored, prepared.relyingParty, issued.link, actor, now));
      outcomes.push({ invitation: toInvitationView(stored, now), link: issued.link, mail: prepared.send ? 'queued' : 'skipped', dryRun: false });
    }
    await this.repository.addEvents(executor, events);
    return outcomes;
  }

  private newRow(prepared: PreparedInvitation, actor: string, now: number): NewInvitationRow {
    return {
      id: this.random.timeOrderedUuid(),
      email: prepared.email,
      name: prepared.name ?? null,
      inviter_name: prepared.inviterName ?? null,
      claims: JSON.stringify(prepared.claims),
      relying_party: prepared.relyingParty.id,
      invited_by: actor,
      locale: prepared.locale,
      created_at: now,
      expires_at: now + prepared.lifetimeSeconds * 1000,
      status: 'pending',
      current_jti: this.random.timeOrderedUuid(),
      code_hash: null,
      version: 1,
      opened_at: null,
      redeemed_at: null,
      revoked_at: null,
      updated_at: now,
    };
  }

  /**
   * Same invitation, new token version: a new `jti` (and landing code), the previous one
   * superseded in the same transaction so it stops working at once. An expired invitation gets
   * a new expiry; a redeemed or revoked one cannot be resent.
   */
  async resend(id: string, input: ResendInput, actor: string): Promise<IssuedInvitation> {
    const current = await this.mustFind(id);
    const rp = this.relyingParties.find(current.relying_party);
    if (!rp) throw new RelyingPartyUnavailableError(`relying party "${current.relying_party}" is no longer configured; this invitation cannot be resent`);
    const now = this.clock.now().getTime();
    const status = effectiveStatus(current, now);
    if (status === 'redeemed' || status === 'revoked') {
      throw new ConflictError(`invitation ${id} is ${status} and cannot be resent; create a new invitation instead`, { status });
    }
    const problems: FieldProblem[] = [];
    const lifetime = input.expiresIn === undefined ? undefined : lifetimeSeconds(input.expiresIn, rp, 'expiresIn', problems);
    const locale = optionalLocale(input.locale, current.locale as Locale, 'locale', problems);
    const send = optionalBoolean(input.send, true, 'send', problems);
    if (problems.length) throw InvalidRequestError.fields(problems);
    await this.relyingParties.assertCanSign(rp);

    const expiresAt =
      lifetime !== undefined ? now + lifetime * 1000 : status === 'expired' ? now + rp.invitationLifetimeSeconds * 1000 : current.expires_at;
    const jti = this.random.timeOrderedUuid();
    const issued = await this.issueLink({ ...hintSource(current), jti, expiresAt, locale }, rp);

    const updated = await this.repository.db.transaction().execute(async (trx) => {
      if (current.status === 'expired') {
        // Reviving a row that gave up its slot: someone else may hold it now.
        const live = await this.repository.findLive(trx, current.email, current.relying_party);
        if (live) throw conflictWith(live, rp);
      } else if (status === 'expired') {
        await this.repository.addEvent(trx, { invitationId: id, type: 'expired', actor: 'system', at: current.expires_at });
      }
      const next = await this.repository.rotate(
        trx,
        current,
        {
          jti,
          codeHash: issued.codeHash,
          kid: issued.hint?.kid,
          alg: issued.hint?.alg,
          expiresAt,
          status: current.opened_at !== null ? 'opened' : 'pending',
          locale,
        },
        now,
      );
      if (!next) throw new ConflictError(`invitation ${id} changed while it was being resent; read it again and retry`);
      await this.mailer.cancelPending(trx, id, `not sent: replaced by version ${next.version}, whose link supersedes this one`);
      const events: NewEvent[] = [
        {
          invitationId: id,
          type: 'resent',
          actor,
          at: now,
          data: { version: next.version, expiresAt: new Date(expiresAt).toISOString(), ...(issued.hint ? { kid: issued.hint.kid } : {}) },
        },
      ];
      if (send) events.push(await this.queueMail(trx, next, rp, issued.link, actor, now));
      await this.repository.addEvents(trx, events);
      return next;
    }).catch(async (e: unknown) => {
      // Reviving an expired row races with a create for the same person: a create that committed
      // after the findLive above holds the slot now, and the unique index refuses the revival.
      // That is the conflict findLive would have reported a moment later, not a server error.
      if (!this.repository.isUniqueViolation(e)) throw e;
      const live = await this.repository.findLive(this.repository.db, current.email, current.relying_party);
      throw live ? conflictWith(live, rp) : new ConflictError(`invitation ${id} changed while it was being resent; read it again and retry`);
    });
    return { invitation: toInvitationView(updated, now), link: issued.link, mail: send ? 'queued' : 'skipped', dryRun: false };
  }

  /** Revokes a live (or expired) invitation; revoking a revoked one changes nothing. */
  async revoke(id: string, actor: string, reason?: unknown): Promise<InvitationView> {
    const problems: FieldProblem[] = [];
    const why = optionalText(reason, 'reason', problems);
    if (problems.length) throw InvalidRequestError.fields(problems);
    const current = await this.mustFind(id);
    const now = this.clock.now().getTime();
    if (current.status === 'revoked') return toInvitationView(current, now);
    if (current.status === 'redeemed') {
      throw new ConflictError(`invitation ${id} was already redeemed and cannot be revoked`, { status: 'redeemed' });
    }
    const revoked = await this.repository.db.transaction().execute(async (trx) => {
      const row = await this.repository.revoke(trx, id, now);
      if (!row) return undefined;
      await this.mailer.cancelPending(trx, id, 'not sent: the invitation was revoked');
      await this.repository.addEvent(trx, { invitationId: id, type: 'revoked', actor, at: now, data: why ? { reason: why } : undefined });
      return row;
    });
    if (revoked) return toInvitationView(revoked, now);
    // Lost a race with a redemption or another revocation: report what won.
    const latest = await this.mustFind(id);
    if (latest.status === 'redeemed') throw new ConflictError(`invitation ${id} was already redeemed and cannot be revoked`, { status: 'redeemed' });
    return toInvitationView(latest, now);
  }

  async get(id: string): Promise<InvitationDetailView> {
    const row = await this.mustFind(id);
    const [tokens, events] = await Promise.all([this.repository.tokens(id), this.repository.events(id)]);
    return {
      ...toInvitationView(row, this.clock.now().getTime()),
      tokens: tokens.map((t) => toTokenView(t, row.current_jti)),
      events: events.map(toEventView),
    };
  }

  async list(query: ListQuery): Promise<{ items: InvitationView[]; nextCursor?: string }> {
    const problems: FieldProblem[] = [];
    if (query.status !== undefined && !INVITATION_STATUSES.includes(query.status)) {
      problems.push({ field: 'status', problem: `must be one of ${INVITATION_STATUSES.join(', ')}` });
    }
    const limit = query.limit ?? LIST_LIMITS.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMITS.max) {
      problems.push({ field: 'limit', problem: `must be a whole number from 1 to ${LIST_LIMITS.max}` });
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) problems.push({ field: 'cursor', problem: 'is not a cursor this API returned' });
    if (problems.length) throw InvalidRequestError.fields(problems);
    const now = this.clock.now().getTime();
    const rows = await this.repository.list(
      { status: query.status, email: query.email?.trim().toLowerCase(), relyingParty: query.relyingParty },
      now,
      limit + 1,
      after,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => toInvitationView(r, now)),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor({ createdAt: last.created_at, id: last.id }) } : {}),
    };
  }

  private async mustFind(id: string): Promise<InvitationRow> {
    const row = await this.repository.findById(id);
    if (!row) throw new NotFoundError(`no invitation has the id "${id}"`);
    return row;
  }

  /**
   * Frees the (email, relying party) slot for a new invitation: an expired holder is written
   * down as expired; a live one is revoked when superseding, else the request is a conflict.
   */
  private async clearSlot(trx: Db, email: string, rp: RelyingParty, supersede: boolean, newId: string, actor: string, now: number): Promise<void> {
    const live = await this.repository.findLive(trx, email, rp.id);
    if (!live) return;
    if (effectiveStatus(live, now) === 'expired') {
      if (await this.repository.markExpired(trx, live.id, now)) {
        await this.repository.addEvent(trx, { invitationId: live.id, type: 'expired', actor: 'system', at: live.expires_at });
      }
      return;
    }
    if (!supersede) throw conflictWith(live, rp);
    if (!(await this.repository.revoke(trx, live.id, now))) throw conflictWith(live, rp);
    await this.mailer.cancelPending(trx, live.id, 'not sent: the invitation was revoked (superseded)');
    await this.repository.addEvent(trx, { invitationId: live.id, type: 'revoked', actor, at: now, data: { reason: 'superseded', supersededBy: newId } });
  }

  private async issueLink(source: HintSource, rp: RelyingParty): Promise<IssuedLink> {
    if (rp.linkMode === 'direct') {
      const { link, hint } = await this.links.directLink(source, rp);
      return { link, codeHash: null, hint };
    }
    const { code, codeHash } = this.links.newCode();
    return { link: this.links.landingUrl(code), codeHash };
  }

  /** Queues the email; returns its `sent` event for the caller to write with its others. */
  private async queueMail(trx: Db, row: InvitationRow, rp: RelyingParty, link: string, actor: string, now: number): Promise<NewEvent> {
    const queued = await this.mailer.enqueue(trx, row, rp, link);
    return { invitationId: row.id, type: 'sent', actor, at: now, data: { outboxId: queued.id, version: row.version } };
  }
}

function createdEvent(row: InvitationRow, rp: RelyingParty, issued: IssuedLink, actor: string, now: number): NewEvent {
  return {
    invitationId: row.id,
    type: 'created',
    actor,
    at: now,
    data: { relyingParty: rp.id, linkMode: rp.linkMode, expiresAt: new Date(row.expires_at).toISOString(), ...(issued.hint ? { kid: issued.hint.kid } : {}) },
  };
}

function hintSource(row: InvitationRow): HintSource {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    claims: JSON.parse(row.claims) as Record<string, unknown>,
    locale: row.locale,
    jti: row.current_jti,
    expiresAt: row.expires_at,
  };
}

function conflictWith(live: InvitationRow, rp: RelyingParty): ConflictError {
  return new ConflictError(
    `${live.email} already has a ${live.status} invitation to "${rp.id}" (${live.id}); revoke or resend it, or create with "supersede": true`,
    { existingInvitation: { id: live.id, status: live.status, expiresAt: new Date(live.expires_at).toISOString() } },
  );
}

function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(value: string): ListCursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // fall through: not ours
  }
  return undefined;
}
