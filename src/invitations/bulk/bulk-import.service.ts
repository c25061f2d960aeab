import { Injectable, Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Clock } from '../../common/clock';
import { ConflictError, InvalidRequestError, NotFoundError, type FieldProblem } from '../../common/errors';
import { Random } from '../../common/random';
import { TesseraConfig } from '../../config/config.schema';
import { OutboxWorker } from '../../mail/outbox.worker';
import { RelyingPartiesService, RelyingPartyUnavailableError } from '../../relying-parties/relying-parties.service';
import { InvitationsService, type StagedInvitation } from '../invitations.service';
import { BulkConfig } from './bulk.config';
import { IdempotencyKeyReusedError, ImportInProgressError, ImportTooLargeError } from './bulk-import.errors';
import { BulkImportsRepository, type BatchCounts, type RowOutcome } from './bulk-imports.repository';
import type { BulkImportRow } from './bulk-imports.tables';
import { csvFieldName, csvRecordToInput, jsonElementToInput, parseCsvHeader, type CsvHeader, type MappedRow, type RowDefaults } from './bulk-row.mapper';
import { readCsv, readJsonArray, type ImportFormat, type SourceRow } from './import-rows';
import { BodyMeter, Spool, SpoolService } from './spool.service';

export interface BulkImportRequest {
  body: Readable;
  format: ImportFormat;
  /** `?relyingParty=`: for rows that name none. */
  relyingParty?: string;
  /** Queue each invitation's email (default true). */
  send: boolean;
  dryRun: boolean;
  /** API key id, or `cli:<user>`; idempotency keys are scoped to it. */
  actor: string;
  idempotencyKey?: string;
  /** Called after each batch (and once with 0 done when the body has been checked). */
  onProgress?: (progress: { processed: number; total: number }) => void;
}

export interface BulkSummary {
  total: number;
  created: number;
  duplicate: number;
  invalid: number;
}

/** One row's outcome, as the API reports it. */
export interface BulkRowResult {
  /** 1-based data row (a CSV header is not a row). */
  row: number;
  status: 'created' | 'duplicate' | 'invalid';
  /** created: the new invitation; duplicate: the one that already exists, when there is one. */
  id?: string;
  field?: string;
  reason?: string;
}

export interface BulkImportResult {
  /** Absent on a dry run, which stores nothing. */
  id?: string;
  dryRun: boolean;
  /** The stored result of an earlier request with the same `Idempotency-Key`. */
  replayed: boolean;
  summary: BulkSummary;
  /** Every row's outcome in row order, read a page at a time (from the database, or a dry run's spool). */
  results(): AsyncGenerator<BulkRowResult>;
  /** Releases what the results are read from; call once done with them. */
  dispose(): Promise<void>;
}

/** `Idempotency-Key`: the draft's sf-string, bounded; printable ASCII. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

const RESULT_PAGE = 500;
const BODY_FILE = 'body';
const DRY_RESULTS_FILE = 'results.ndjson';

interface Received {
  total: number;
  sha256: string;
}

interface Claim {
  record: BulkImportRow;
  leaseToken: string;
}

/**
 * Bulk invitation import. The body is read twice, from a spool on disk: first through to the
 * end to prove it well-formed (a malformed file is a 400 with nothing written and nothing sent),
 * then row by row, `bulk.batchSize` rows per transaction, each row's invitation and its outcome
 * committed together. Results are stored and read back a page at a time, so neither the rows nor
 * their results are ever all in memory. A dry run checks every row against the database the
 * same way and writes nothing.
 */
@Injectable()
export class BulkImportService {
  private readonly logger = new Logger('BulkImport');
  private readonly settings: BulkConfig;

  constructor(
    config: TesseraConfig,
    private readonly invitations: InvitationsService,
    private readonly relyingParties: RelyingPartiesService,
    private readonly repository: BulkImportsRepository,
    private readonly spools: SpoolService,
    private readonly outbox: OutboxWorker,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {
    this.settings = config.bulk ?? new BulkConfig();
  }

  get config(): BulkConfig {
    return this.settings;
  }

  async run(request: BulkImportRequest): Promise<BulkImportResult> {
    if (request.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(request.idempotencyKey)) {
      throw InvalidRequestError.field('Idempotency-Key', 'must be 1 to 255 printable ASCII characters');
    }
    if (request.relyingParty !== undefined) this.relyingParties.get(request.relyingParty, 'relyingParty');
    const spool = await this.spools.create();
    try {
      const received = await this.receive(request, spool);
      request.onProgress?.({ processed: 0, total: received.total });
      if (request.dryRun) return await this.dryRun(request, spool, received);
      const claim = await this.claim(request, received);
      if ('replay' in claim) {
        await spool.dispose();
        return this.stored(claim.replay, true);
      }
      try {
        await this.importRows(request, spool, claim, received.total);
      } catch (e) {
        await this.repository.remove(claim.record.id, claim.leaseToken).catch((cleanup: unknown) => {
          this.logger.warn(`import ${claim.record.id} failed and its record could not be removed: ${(cleanup as Error).message}`);
        });
        throw e;
      }
      await spool.dispose();
      const completed = await this.repository.complete(claim.record.id, claim.leaseToken, this.clock.now().getTime());
      if (!completed) throw new ConflictError(`import ${claim.record.id} was taken over by a retry while it ran; read its result again`);
      return this.stored(completed, false);
    } catch (e) {
      await spool.dispose();
      throw e;
    }
  }

  /** The stored result of a finished import: 404 when unknown or past retention, 409 while running. */
  async find(id: string): Promise<BulkImportResult> {
    const record = await this.repository.findById(id);
    if (!record) throw new NotFoundError(`no bulk import has the id "${id}" (results are kept for bulk.retentionSeconds)`);
    if (record.state !== 'completed') throw this.inProgress(record);
    return this.stored(record, false);
  }

  // ---- pass 1: spool and check -------------------------------------------------------------

  /** Copies the body to the spool while parsing it through to the end; counts rows. */
  private async receive(request: BulkImportRequest, spool: Spool): Promise<Received> {
    const meter = new BodyMeter(spool.writer(BODY_FILE), this.settings.maxBodyBytes);
    request.body.on('error', (e) => meter.destroy(e));
    request.body.pipe(meter);
    let total = 0;
    try {
      for await (const row of this.rows(request.format, meter, request)) {
        void row;
        total++;
        if (total > this.settings.maxRows) {
          throw new ImportTooLargeError(`the import has more than bulk.maxRows (${this.settings.maxRows}) rows; split the file`);
        }
      }
    } finally {
      request.body.unpipe(meter);
    }
    if (total === 0) throw InvalidRequestError.field('body', 'has no rows to import');
    // The spool file is complete once the meter has flushed it (the parser read to the end).
    if (!meter.writableFinished) await once(meter, 'finish');
    return { total, sha256: meter.digest() };
  }

  /** The rows of a body, with a CSV header checked first. */
  private async *rows(format: ImportFormat, source: Readable, request: BulkImportRequest): AsyncGenerator<SourceRow & { header?: CsvHeader }> {
    if (format === 'json') {
      yield* readJsonArray(source);
      return;
    }
    const csv = await readCsv(source, { maxRowBytes: this.settings.maxRowBytes });
    let header: CsvHeader;
    try {
      header = parseCsvHeader(csv.header, { relyingParty: request.relyingParty });
    } catch (e) {
      csv.close();
      throw e;
    }
    for await (const row of csv.rows) yield { ...row, header };
  }

  private map(row: SourceRow & { header?: CsvHeader }, defaults: RowDefaults): MappedRow {
    if (row.header) return csvRecordToInput(row.header, row.value as string[], defaults, (id) => this.relyingParties.find(id));
    return jsonElementToInput(row.value, defaults);
  }

  // ---- idempotency -------------------------------------------------------------------------

  private async claim(request: BulkImportRequest, received: Received): Promise<Claim | { replay: BulkImportRow }> {
    const now = this.clock.now().getTime();
    await this.repository.purge(now - this.settings.retentionSeconds * 1000).catch((e: unknown) => {
      this.logger.warn(`old bulk imports could not be purged: ${(e as Error).message}`);
    });
    const leaseToken = this.random.uuid();
    const record: BulkImportRow = {
      id: this.random.uuid(),
      actor: request.actor,
      idempotency_key: request.idempotencyKey ?? null,
      request_format: request.format,
      request_relying_party: request.relyingParty ?? null,
      request_send: request.send ? 1 : 0,
      body_sha256: received.sha256,
      state: 'running',
      lease_token: leaseToken,
      lease_until: now + this.settings.leaseSeconds * 1000,
      total_rows: received.total,
      processed_rows: 0,
      created_count: 0,
      duplicate_count: 0,
      invalid_count: 0,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
    if (await this.repository.insert(record)) return { record, leaseToken };

    const key = request.idempotencyKey as string;
    const existing = await this.repository.findByKey(request.actor, key);
    // Purged between the insert and the read: the key is free again, but another request may
    // be claiming it now; let the client retry rather than guess.
    if (!existing) throw new ConflictError(`Idempotency-Key "${key}" changed hands while this request claimed it; retry`);
    const mismatches = mismatchesOf(existing, record);
    if (mismatches.length) {
      throw new IdempotencyKeyReusedError(
        `Idempotency-Key "${key}" was first used for a different request (${mismatches.join('; ')}); ` +
          'a retry must repeat the request exactly: use a new key for a new import',
        mismatches,
      );
    }
    if (existing.state === 'completed') return { replay: existing };
    if (existing.lease_until > now) throw this.inProgress(existing);
    const leaseUntil = now + this.settings.leaseSeconds * 1000;
    if (!(await this.repository.takeOver(existing, leaseToken, leaseUntil, now))) throw this.inProgress(existing);
    this.logger.warn(`import ${existing.id} was abandoned by its instance; a retry with its Idempotency-Key runs it again`);
    return { record: { ...existing, lease_token: leaseToken, lease_until: leaseUntil }, leaseToken };
  }

  private inProgress(record: BulkImportRow): ImportInProgressError {
    const left = Math.max(1, Math.ceil((record.lease_until - this.clock.now().getTime()) / 1000));
    return new ImportInProgressError(record.id, record.processed_rows, record.total_rows, Math.min(left, 30));
  }

  // ---- pass 2: write -----------------------------------------------------------------------

  private async importRows(request: BulkImportRequest, spool: Spool, claim: Claim, total: number): Promise<void> {
    const defaults: RowDefaults = { relyingParty: request.relyingParty, send: request.send };
    const seen = new Map<string, number>();
    let batch: (SourceRow & { header?: CsvHeader })[] = [];
    let processed = 0;
    const flush = async () => {
      await this.writeBatch(batch, defaults, request.actor, seen, claim);
      processed += batch.length;
      batch = [];
      request.onProgress?.({ processed, total });
    };
    for await (const row of this.rows(request.format, spool.reader(BODY_FILE), request)) {
      batch.push(row);
      if (batch.length >= this.settings.batchSize) await flush();
    }
    if (batch.length) await flush();
  }

  /**
   * One batch: every row is staged first (checks, links, hints signed) outside any transaction,
   * then the staged ones are written with all the batch's outcomes in one transaction.
   */
  private async writeBatch(
    rows: (SourceRow & { header?: CsvHeader })[],
    defaults: RowDefaults,
    actor: string,
    seen: Map<string, number>,
    claim: Claim,
  ): Promise<void> {
    const outcomes = new Map<number, RowOutcome>();
    const staged: { row: number; staged: StagedInvitation }[] = [];
    for (const row of rows) {
      const mapped = this.map(row, defaults);
      if (!mapped.ok) {
        outcomes.set(row.row, invalid(row, mapped.problems));
        continue;
      }
      try {
        const s = await this.invitations.stage(mapped.input, actor);
        const key = `${s.row.email}\u0000${s.prepared.relyingParty.id}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          outcomes.set(row.row, { row: row.row, status: 'duplicate', reason: `same email and relying party as row ${earlier}` });
          continue;
        }
        seen.set(key, row.row);
        staged.push({ row: row.row, staged: s });
      } catch (e) {
        outcomes.set(row.row, this.refused(row, e));
      }
    }

    let queuedMail = false;
    const now = this.clock.now().getTime();
    await this.repository.db.transaction().execute(async (trx) => {
      const persisted = await this.invitations.persistMany(
        trx,
        staged.map((s) => s.staged),
      );
      persisted.forEach((outcome, i) => {
        const row = staged[i].row;
        if (outcome instanceof ConflictError) {
          outcomes.set(row, duplicateOf(row, outcome));
        } else {
          outcomes.set(row, { row, status: 'created', invitationId: outcome.invitation.id });
          queuedMail ||= outcome.mail === 'queued';
        }
      });
      const ordered = [...outcomes.values()].sort((a, b) => a.row - b.row);
      const counts: BatchCounts = { processed: ordered.length, created: 0, duplicate: 0, invalid: 0 };
      for (const o of ordered) counts[o.status]++;
      const leaseUntil = now + this.settings.leaseSeconds * 1000;
      if (!(await this.repository.recordBatch(trx, claim.record.id, claim.leaseToken, ordered, counts, leaseUntil, now))) {
        throw new ConflictError(`import ${claim.record.id} was taken over by a retry while it ran; its result is the retry's`);
      }
    });
    if (queuedMail) this.outbox.kick();
  }

  /** How a row that could not be staged (or dry-run) is reported. Anything unforeseen stops the import. */
  private refused(row: SourceRow & { header?: CsvHeader }, e: unknown): RowOutcome {
    if (e instanceof InvalidRequestError) return invalid(row, e.details?.length ? e.details : [{ field: 'row', problem: e.description }]);
    if (e instanceof RelyingPartyUnavailableError) return { row: row.row, status: 'invalid', field: 'relyingParty', reason: e.description };
    if (e instanceof ConflictError) return duplicateOf(row.row, e);
    throw e;
  }

  // ---- dry run -----------------------------------------------------------------------------

  /**
   * Every row checked as the real import would check it (against the database too: existing
   * invitations are duplicates), with nothing written and nothing sent. The outcomes go to the
   * spool, to be streamed back.
   */
  private async dryRun(request: BulkImportRequest, spool: Spool, received: Received): Promise<BulkImportResult> {
    const defaults: RowDefaults = { relyingParty: request.relyingParty, send: request.send };
    const seen = new Map<string, number>();
    const summary: BulkSummary = { total: received.total, created: 0, duplicate: 0, invalid: 0 };
    const out = spool.writer(DRY_RESULTS_FILE);
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => undefined);
    let processed = 0;
    for await (const row of this.rows(request.format, spool.reader(BODY_FILE), request)) {
      let outcome: RowOutcome;
      const mapped = this.map(row, defaults);
      if (!mapped.ok) {
        outcome = invalid(row, mapped.problems);
      } else {
        try {
          const checked = await this.invitations.create(mapped.input, request.actor, { dryRun: true });
          const key = `${checked.invitation.email}\u0000${checked.invitation.relyingParty}`;
          const earlier = seen.get(key);
          if (earlier !== undefined) {
            outcome = { row: row.row, status: 'duplicate', reason: `same email and relying party as row ${earlier}` };
          } else {
            seen.set(key, row.row);
            outcome = { row: row.row, status: 'created' };
          }
        } catch (e) {
          outcome = this.refused(row, e);
        }
      }
      summary[outcome.status]++;
      if (!out.write(`${JSON.stringify(toResult(outcome))}\n`)) await Promise.race([once(out, 'drain'), failed]);
      if (++processed % this.settings.batchSize === 0) request.onProgress?.({ processed, total: received.total });
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    request.onProgress?.({ processed, total: received.total });
    return {
      dryRun: true,
      replayed: false,
      summary,
      results: async function* () {
        const lines = createInterface({ input: spool.reader(DRY_RESULTS_FILE), crlfDelay: Infinity });
        for await (const line of lines) if (line) yield JSON.parse(line) as BulkRowResult;
      },
      dispose: () => spool.dispose(),
    };
  }

  private stored(record: BulkImportRow, replayed: boolean): BulkImportResult {
    const repository = this.repository;
    return {
      id: record.id,
      dryRun: false,
      replayed,
      summary: { total: record.total_rows, created: record.created_count, duplicate: record.duplicate_count, invalid: record.invalid_count },
      results: async function* () {
        let after = 0;
        for (;;) {
          const page = await repository.results(record.id, after, RESULT_PAGE);
          for (const r of page) {
            yield toResult({
              row: r.row_no,
              status: r.status,
              invitationId: r.invitation_id ?? undefined,
              field: r.field ?? undefined,
              reason: r.reason ?? undefined,
            });
          }
          if (page.length < RESULT_PAGE) return;
          after = page[page.length - 1].row_no;
        }
      },
      dispose: async () => undefined,
    };
  }
}

function invalid(row: SourceRow & { header?: CsvHeader }, problems: FieldProblem[]): RowOutcome {
  const named = row.header ? problems.map((p) => ({ ...p, field: csvFieldName(p.field) })) : problems;
  return {
    row: row.row,
    status: 'invalid',
    field: named[0]?.field,
    reason: named.map((p) => `${p.field}: ${p.problem}`).join('; '),
  };
}

function duplicateOf(row: number, e: ConflictError): RowOutcome {
  const existing = (e.extra.existingInvitation as { id?: unknown } | undefined)?.id;
  return { row, status: 'duplicate', ...(typeof existing === 'string' ? { invitationId: existing } : {}), reason: e.description };
}

function toResult(o: RowOutcome): BulkRowResult {
  return {
    row: o.row,
    status: o.status,
    ...(o.invitationId ? { id: o.invitationId } : {}),
    ...(o.field ? { field: o.field } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  };
}

/** What differs between the request that first used a key and this one, in words. */
function mismatchesOf(first: BulkImportRow, now: BulkImportRow): string[] {
  const out: string[] = [];
  if (first.request_format !== now.request_format) out.push(`the format was ${first.request_format}, now ${now.request_format}`);
  if (first.request_relying_party !== now.request_relying_party) {
    out.push(`?relyingParty was ${first.request_relying_party ?? '(none)'}, now ${now.request_relying_party ?? '(none)'}`);
  }
  if (first.request_send !== now.request_send) out.push(`?send was ${first.request_send === 1}, now ${now.request_send === 1}`);
  if (first.body_sha256 !== now.body_sha256) out.push('the body differs');
  return out;
}

