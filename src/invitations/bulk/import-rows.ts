import { TokenParser, Tokenizer } from '@streamparser/json';
import { CsvError, parse, type Options } from 'csv-parse';
import type { Readable } from 'node:stream';
import { TesseraError } from '../../common/errors';
import { MalformedImportError } from './bulk-import.errors';

/**
 * Reads the rows of an import body as a stream: one row in memory at a time (plus the parser's
 * own chunk), however large the body. Structural problems — broken quoting, a record with the
 * wrong number of fields, JSON that is not an array — end the stream with a
 * `MalformedImportError` naming the line (and column where the parser knows it).
 */

export type ImportFormat = 'csv' | 'json';

/** One data row: `row` counts data rows from 1 (a CSV header is not a row). */
export interface SourceRow {
  row: number;
  /** CSV: the fields of the record; JSON: the array element. */
  value: string[] | unknown;
}

export interface CsvSource {
  /** The header record's fields. */
  header: string[];
  rows: AsyncGenerator<SourceRow>;
  /** Stops reading (the rows generator does this itself when it finishes or is returned early). */
  close(): void;
}

export interface ReadOptions {
  /** Bytes one CSV record may take. */
  maxRowBytes: number;
}

/**
 * CSV as RFC 4180 describes it (comma, double quotes, CRLF or LF), UTF-8 with an optional BOM,
 * the first record a header. Blank lines are skipped; every record must have as many fields as
 * the header.
 */
export async function readCsv(source: Readable, options: ReadOptions): Promise<CsvSource> {
  // The line the next record starts on. csv-parse reports the line a record ends on; it is
  // noted as each record is parsed (not as it is read), since a parse error discards records
  // parsed but not yet read.
  let nextLine = 1;
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: options.maxRowBytes,
    // Records become { record, line }: the typings only know records of strings.
    on_record: ((record: string[], context: { lines: number }) => {
      const line = nextLine;
      nextLine = context.lines + 1;
      return { record, line };
    }) as unknown as Options['on_record'],
  });
  // A failure of the source (a body cut off, a size cap) ends the parser with the same error.
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; line: number }>;
  const next = async (): Promise<{ record: string[]; line: number } | undefined> => {
    let item: IteratorResult<{ record: string[]; line: number }>;
    try {
      item = await records.next();
    } catch (e) {
      throw csvProblem(e, nextLine);
    }
    return item.done ? undefined : item.value;
  };
  const close = () => {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  };

  let first: { record: string[]; line: number } | undefined;
  try {
    first = await next();
  } catch (e) {
    close();
    throw e;
  }
  if (!first) {
    close();
    throw new MalformedImportError('the CSV is empty: it needs a header line (email,relyingParty,…) and at least one row');
  }
  async function* rows(): AsyncGenerator<SourceRow> {
    try {
      let row = 0;
      for (let record = await next(); record; record = await next()) yield { row: ++row, value: record.record };
    } finally {
      close();
    }
  }
  return { header: first.record, rows: rows(), close };
}

function csvProblem(e: unknown, recordLine: number): unknown {
  if (e instanceof TesseraError) return e;
  if (!(e instanceof CsvError)) return e;
  const err = e as CsvError & { lines?: number; column?: number | string };
  const column = typeof err.column === 'number' ? err.column + 1 : undefined;
  const reason = e.message.replace(/^[A-Za-z ]+: /, '');
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new MalformedImportError(
        `the CSV is malformed: the record starting at line ${recordLine} opens a quoted field that is never closed (the file ends at line ${err.lines})`,
        { line: recordLine },
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new MalformedImportError(`the CSV is malformed at line ${err.lines}: ${reason}; every row needs as many fields as the header`, {
        line: err.lines,
      });
    case 'CSV_MAX_RECORD_SIZE':
      return new MalformedImportError(`the CSV is malformed at line ${recordLine}: the record is longer than bulk.maxRowBytes`, { line: recordLine });
    default:
      return new MalformedImportError(`the CSV is malformed at line ${err.lines ?? recordLine}${column ? `, column ${column}` : ''}: ${reason}`, {
        line: err.lines ?? recordLine,
        column,
      });
  }
}

/**
 * A JSON array of row objects, streamed element by element (`@streamparser/json`). Only array
 * elements are kept; the array itself is never assembled.
 */
export async function* readJsonArray(source: Readable): AsyncGenerator<SourceRow> {
  // The tokenizer and token parser wired as its JSONParser does, plus the offset of the last
  // token, so that a misplaced token can be reported by line and column.
  const tokenizer = new Tokenizer();
  const tokens = new TokenParser({ paths: ['$.*'], keepStack: false });
  let lastTokenOffset: number | undefined;
  tokenizer.onToken = (info) => {
    lastTokenOffset = info.offset;
    tokens.write(info);
  };
  tokenizer.onEnd = () => {
    if (!tokens.isEnded) tokens.end();
  };
  tokens.onError = tokenizer.error.bind(tokenizer);
  tokens.onEnd = () => {
    if (!tokenizer.isEnded) tokenizer.end();
  };
  const ready: unknown[] = [];
  let failure: Error | undefined;
  tokens.onValue = ({ value }) => {
    ready.push(value);
  };
  tokenizer.onError = (e) => {
    failure ??= e;
  };

  let started = false;
  let row = 0;
  // Where the chunk being parsed starts: absolute byte offset, line and column.
  let at = { offset: 0, line: 1, column: 1 };
  try {
    for await (const data of source) {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
      if (!started) {
        const skipped = leadingWhitespace(chunk);
        if (skipped === chunk.length) {
          at = advance(chunk, at, chunk.length);
          continue;
        }
        started = true;
        if (chunk[skipped] !== 0x5b /* [ */) {
          throw new MalformedImportError('the JSON body must be an array of row objects: [{"email": …, "relyingParty": …}, …]', advance(chunk, at, skipped));
        }
      }
      if (tokens.isEnded) {
        const extra = leadingWhitespace(chunk);
        if (extra < chunk.length) throw new MalformedImportError('the JSON body has more after its array ends', advance(chunk, at, extra));
        at = advance(chunk, at, chunk.length);
        continue;
      }
      tokenizer.write(chunk);
      while (ready.length) yield { row: ++row, value: ready.shift() };
      if (failure) throw jsonProblem(failure, chunk, at, lastTokenOffset, row);
      at = advance(chunk, at, chunk.length);
    }
    if (!started) throw new MalformedImportError('the body is empty: send a JSON array of row objects');
    if (!tokens.isEnded) {
      throw new MalformedImportError(`the JSON is malformed: the body ends inside the array (after ${row} complete row${row === 1 ? '' : 's'})`, {
        line: at.line,
      });
    }
  } finally {
    source.destroy();
  }
}

interface Position {
  offset: number;
  line: number;
  column: number;
}

/** Bytes of UTF-8 BOM (EF BB BF) and JSON whitespace (RFC 8259 §2) at the start of `chunk`. */
function leadingWhitespace(chunk: Buffer): number {
  let i = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
  while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x09 || chunk[i] === 0x0a || chunk[i] === 0x0d)) i++;
  return i;
}

/** The position `upTo` bytes into `chunk`, which starts at `from`. Columns count characters, not bytes. */
function advance(chunk: Buffer, from: Position, upTo: number): Position {
  let { line, column } = from;
  const end = Math.max(0, Math.min(upTo, chunk.length));
  for (let i = 0; i < end; i++) {
    if (chunk[i] === 0x0a) {
      line++;
      column = 1;
    } else if ((chunk[i] & 0xc0) !== 0x80) {
      column++;
    }
  }
  return { offset: from.offset + end, line, column };
}

function jsonProblem(e: Error, chunk: Buffer, chunkStart: Position, lastTokenOffset: number | undefined, rowsSoFar: number): MalformedImportError {
  // The tokenizer names the absolute byte it choked on; the token parser, only the token, whose
  // offset we kept.
  const absolute = /absolute position "(\d+)"/.exec(e.message);
  const offset = absolute ? Number(absolute[1]) : lastTokenOffset;
  const element = `in row ${rowsSoFar + 1} of the array`;
  const reason = e.message.replace(/ at chunk position.*$/, '').replace(/ in state [A-Z_0-9]+$/, '').replace(/\.? Either not all.*$/, '');
  if (offset !== undefined && offset >= chunkStart.offset) {
    const where = advance(chunk, chunkStart, offset - chunkStart.offset);
    return new MalformedImportError(`the JSON is malformed at line ${where.line}, column ${where.column} (${element}): ${reason}`, {
      line: where.line,
      column: where.column,
    });
  }
  return new MalformedImportError(`the JSON is malformed ${element}: ${reason}`, { line: chunkStart.line });
}
