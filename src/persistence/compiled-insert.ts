import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './database';

/** Row counts compiled once; larger inserts (bulk) are rarer and vary, so they are built each time. */
const MAX_COMPILED_ROWS = 4;
/** Distinct shapes remembered per insert: a handful of column sets times row counts. */
const MAX_SHAPES = 32;

interface Shape {
  sql: string;
  /** Parameter i is `rows[row][column]`. */
  slots: { row: number; column: string }[];
}

/**
 * An INSERT of a fixed form, compiled once per shape (row count and columns) and then run with
 * each call's values: Kysely's "execute compiled queries" recipe
 * (https://kysely.dev/docs/recipes/splitting-query-building-and-execution). Kysely otherwise
 * builds and compiles every query afresh; for the four inserts of an invitation's creation that
 * was about a sixth of its in-process time on SQLite.
 *
 * No parameter order is assumed: a shape is compiled once from marker values and the
 * parameters must come back as exactly those markers, so each slot is known to be row r,
 * column c. A builder that adds parameters of its own, and rows holding anything but plain
 * values (`undefined`, which Kysely leaves out; an expression), take the ordinary path. The
 * SQL is compiled by `db`; the executors passed to `execute` must be `db` or its transactions
 * (the same dialect).
 */
export class CompiledInsert<Row extends object, O, DB = Database> {
  private readonly shapes = new Map<string, Shape | null>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly build: (db: Kysely<DB>, rows: Row[]) => Compilable<O>,
  ) {}

  /** Runs the insert through `executor` (a transaction of `db`, or `db`); the rows it returns, if any. */
  async execute(executor: Kysely<DB>, rows: Row[]): Promise<O[]> {
    const shape = rows.length > 0 && rows.length <= MAX_COMPILED_ROWS ? this.shape(rows) : undefined;
    if (!shape) return (await executor.executeQuery(this.build(executor, rows))).rows;
    const parameters = new Array<unknown>(shape.slots.length);
    for (let i = 0; i < shape.slots.length; i++) {
      const { row, column } = shape.slots[i];
      parameters[i] = (rows[row] as Record<string, unknown>)[column];
    }
    return (await executor.executeQuery(CompiledQuery.raw(shape.sql, parameters) as CompiledQuery<O>)).rows;
  }

  private shape(rows: Row[]): Shape | undefined {
    const columns = Object.keys(rows[0]);
    for (const row of rows as Record<string, unknown>[]) {
      const keys = row === rows[0] ? columns : Object.keys(row);
      if (keys.length !== columns.length) return undefined;
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] !== columns[i] || !isPlainValue(row[keys[i]])) return undefined;
      }
    }
    const key = `${rows.length}:${columns.join(',')}`;
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      shape = compileShape(this.db, this.build, rows.length, columns);
      if (this.shapes.size < MAX_SHAPES) this.shapes.set(key, shape);
    }
    return shape ?? undefined;
  }
}

function compileShape<Row extends object, O, DB>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, rows: Row[]) => Compilable<O>,
  count: number,
  columns: string[],
): Shape | null {
  const markers = new Map<object, { row: number; column: string }>();
  const probe = Array.from({ length: count }, (_, row) =>
    Object.fromEntries(
      columns.map((column) => {
        const marker = Object.freeze({ row, column });
        markers.set(marker, { row, column });
        return [column, marker];
      }),
    ),
  ) as unknown as Row[];
  const compiled = build(db, probe).compile();
  if (compiled.parameters.length !== markers.size || new Set(compiled.parameters).size !== markers.size) return null;
  const slots: Shape['slots'] = [];
  for (const parameter of compiled.parameters) {
    const slot = markers.get(parameter as object);
    if (!slot) return null;
    slots.push(slot);
  }
  return { sql: compiled.sql, slots };
}

/**
 * A value Kysely passes through as a parameter unchanged. Anything else (an expression, a
 * function, `undefined`, which Kysely turns into DEFAULT or leaves out) takes the ordinary path.
 */
function isPlainValue(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint';
}
