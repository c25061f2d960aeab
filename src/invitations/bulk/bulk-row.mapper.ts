import type { FieldProblem } from '../../common/errors';
import { CLAIM_NAME_PATTERN } from '../../relying-parties/relying-parties.config';
import type { RelyingParty } from '../../relying-parties/relying-party';
import type { CreateInvitationInput } from '../invitations.service';
import { MalformedImportError } from './bulk-import.errors';

/**
 * Turns one row of an import (a CSV record or a JSON array element) into the same input
 * `POST /api/invitations` takes, so that `InvitationsService.prepare` judges both alike. Pure:
 * nothing here reads or writes anything.
 */

/** CSV columns besides `claim.<name>`; the JSON element fields are the same, with `claims` as an object. */
export const ROW_FIELDS = ['email', 'name', 'inviterName', 'relyingParty', 'locale', 'expiresIn'] as const;
export type RowField = (typeof ROW_FIELDS)[number];

export const CLAIM_COLUMN_PREFIX = 'claim.';

/** Settings of the whole request that every row inherits. */
export interface RowDefaults {
  /** `?relyingParty=`: for rows that name none. */
  relyingParty?: string;
  /** `?send=`: queue each invitation's email (default true). */
  send: boolean;
}

/** A column of a CSV header: a row field, or one declared claim. */
export type CsvColumn = { kind: 'field'; name: RowField } | { kind: 'claim'; name: string };

export interface CsvHeader {
  columns: CsvColumn[];
}

/** A row that is an invitation request now, or the reasons it cannot be one. */
export type MappedRow = { ok: true; input: CreateInvitationInput } | { ok: false; problems: FieldProblem[] };

/**
 * Checks the header line: every column known, none twice, `email` present, and a relying party
 * either per row or for the whole request. A bad header makes every row meaningless, so it is
 * a 400 for the request, naming the column by number and name.
 */
export function parseCsvHeader(fields: string[], defaults: Pick<RowDefaults, 'relyingParty'>): CsvHeader {
  const columns: CsvColumn[] = [];
  const seen = new Map<string, number>();
  fields.forEach((raw, i) => {
    const name = raw.trim();
    const where = `column ${i + 1}`;
    if (name === '') throw new MalformedImportError(`the header's ${where} is empty: every column needs a name`, { line: 1, column: i + 1 });
    const first = seen.get(name);
    if (first !== undefined) {
      throw new MalformedImportError(`the header names "${name}" twice (columns ${first + 1} and ${i + 1})`, { line: 1, column: i + 1 });
    }
    seen.set(name, i);
    if ((ROW_FIELDS as readonly string[]).includes(name)) {
      columns.push({ kind: 'field', name: name as RowField });
    } else if (name.startsWith(CLAIM_COLUMN_PREFIX) && CLAIM_NAME_PATTERN.test(name.slice(CLAIM_COLUMN_PREFIX.length))) {
      columns.push({ kind: 'claim', name: name.slice(CLAIM_COLUMN_PREFIX.length) });
    } else {
      throw new MalformedImportError(
        `the header's ${where} "${name.slice(0, 80)}" is not a known column (columns: ${ROW_FIELDS.join(', ')}, and claim.<name> for a declared claim)`,
        { line: 1, column: i + 1 },
      );
    }
  });
  if (!seen.has('email')) throw new MalformedImportError('the header has no "email" column', { line: 1 });
  if (!seen.has('relyingParty') && !defaults.relyingParty) {
    throw new MalformedImportError('the header has no "relyingParty" column and the request names no ?relyingParty= for every row', { line: 1 });
  }
  return { columns };
}

/**
 * A CSV record as an invitation request. Cells are text; they are given the types the API
 * takes: `expiresIn` a number, claims the type the relying party declares for them. A cell that
 * does not convert is passed on as text, so `prepare` names the field and the type it wants.
 * Empty cells are absent.
 */
export function csvRecordToInput(
  header: CsvHeader,
  fields: string[],
  defaults: RowDefaults,
  findRelyingParty: (id: string) => RelyingParty | undefined,
): MappedRow {
  const nul = header.columns.findIndex((column, i) => fields[i]?.includes('\u0000'));
  if (nul !== -1) {
    const column = header.columns[nul];
    return { ok: false, problems: [nulProblem(column.kind === 'claim' ? `claims.${column.name}` : column.name)] };
  }
  const input: Record<string, unknown> = {};
  const claims: Record<string, string> = {};
  header.columns.forEach((column, i) => {
    const cell = (fields[i] ?? '').trim();
    if (cell === '') return;
    if (column.kind === 'claim') claims[column.name] = cell;
    else input[column.name] = cell;
  });
  if (typeof input.expiresIn === 'string' && /^\d{1,15}$/.test(input.expiresIn)) input.expiresIn = Number(input.expiresIn);
  input.relyingParty ??= defaults.relyingParty;
  const rp = typeof input.relyingParty === 'string' ? findRelyingParty(input.relyingParty) : undefined;
  const typed: Record<string, unknown> = {};
  for (const [name, cell] of Object.entries(claims)) typed[name] = convertClaim(cell, rp?.claims.get(name)?.type);
  return {
    ok: true,
    input: { ...input, ...(Object.keys(typed).length ? { claims: typed } : {}), send: defaults.send, supersede: false },
  };
}

/** A JSON element as an invitation request: an object with the row fields and `claims`. */
export function jsonElementToInput(value: unknown, defaults: RowDefaults): MappedRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ field: 'row', problem: 'must be a JSON object with email, relyingParty, … (see the bulk import format)' }] };
  }
  const nul = nulPath(value, '');
  if (nul !== undefined) return { ok: false, problems: [nulProblem((nul || 'row').slice(0, 80))] };
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'claims' && !(ROW_FIELDS as readonly string[]).includes(key)) {
      problems.push({ field: key.slice(0, 80), problem: `is not a field of an import row (fields: ${ROW_FIELDS.join(', ')}, claims)` });
    }
  }
  if (problems.length) return { ok: false, problems };
  const row = value as Record<string, unknown>;
  return {
    ok: true,
    input: {
      ...row,
      relyingParty: row.relyingParty === undefined || row.relyingParty === null || row.relyingParty === '' ? defaults.relyingParty : row.relyingParty,
      send: defaults.send,
      supersede: false,
    },
  };
}

/** How a problem's field is named to the caller: CSV rows by their column (`claim.role`), JSON rows by their path (`claims.role`). */
/**
 * U+0000 in a row cannot be stored by PostgreSQL (SQLSTATE 22021), not even quoted in the row's
 * outcome, so such a row is invalid before any of its values is looked at or repeated.
 */
function nulProblem(field: string): FieldProblem {
  return { field, problem: 'must not contain a NUL character (U+0000)' };
}

/** The path of the first string or key holding U+0000 in a JSON row, `undefined` when none does. */
function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at.replace(/\u0000/g, '\\u0000');
    const found = nulPath(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function csvFieldName(field: string): string {
  return field.startsWith('claims.') ? `${CLAIM_COLUMN_PREFIX}${field.slice('claims.'.length)}` : field;
}

/**
 * A claim cell as the declared type: numbers and booleans as JSON would write them, `string[]`
 * as a JSON array or as `;`-separated items (a comma is the CSV delimiter). A cell that is not
 * of the type stays text, and the type check names it.
 */
export function convertClaim(cell: string, type: string | undefined): unknown {
  switch (type) {
    case 'number':
    case 'integer':
      return /^-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(cell) ? Number(cell) : cell;
    case 'boolean':
      return /^true$/i.test(cell) ? true : /^false$/i.test(cell) ? false : cell;
    case 'string[]': {
      if (cell.startsWith('[')) {
        try {
          return JSON.parse(cell) as unknown;
        } catch {
          return cell;
        }
      }
      return cell
        .split(';')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    }
    default:
      return cell;
  }
}
