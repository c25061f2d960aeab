import { Readable } from 'node:stream';
import { MalformedImportError } from './bulk-import.errors';
import { readCsv, readJsonArray, type SourceRow } from './import-rows';

/** A body arriving in the given chunks, as a request does. */
function body(...chunks: string[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c, 'utf8')));
}

async function all(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

async function failure(work: () => Promise<unknown>): Promise<MalformedImportError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof MalformedImportError) return e;
    throw e;
  }
  throw new Error('expected a MalformedImportError');
}

describe('readCsv', () => {
  const options = { maxRowBytes: 1024 };

  it('separates the header from data rows numbered from 1, across chunk boundaries and quoted line breaks', async () => {
    const sut = await readCsv(body('\ufeffemail,name\r\na@exa', 'mple.com,"Ann\nLee"\r\n\r\nb@example.com,Bob\r\n'), options);
    expect(sut.header).toEqual(['email', 'name']);
    expect(await all(sut.rows)).toEqual([
      { row: 1, value: ['a@example.com', 'Ann\nLee'] },
      { row: 2, value: ['b@example.com', 'Bob'] },
    ]);
  });

  it('names the line where an unterminated quoted field starts', async () => {
    const e = await failure(async () => all((await readCsv(body('email,name\na@example.com,Ann\nb@example.com,"Bob\nc@example.com,C\n'), options)).rows));
    expect(e.position).toEqual({ line: 3 });
    expect(e.description).toMatch(/record starting at line 3 opens a quoted field that is never closed \(the file ends at line 4\)/);
  });

  it('names the line of a record with the wrong number of fields', async () => {
    const e = await failure(async () => all((await readCsv(body('email,name\na@example.com,Ann,extra\n'), options)).rows));
    expect(e.position.line).toBe(2);
    expect(e.description).toMatch(/line 2: .*expect 2, got 3/);
  });

  it('names the line and column of a quote in the middle of a field', async () => {
    const e = await failure(async () => all((await readCsv(body('email,name\na@example.com,A"nn\n'), options)).rows));
    expect(e.position).toEqual({ line: 2, column: 2 });
  });

  it('refuses a record longer than maxRowBytes', async () => {
    const e = await failure(async () => all((await readCsv(body(`email\n${'a'.repeat(2000)}\n`), options)).rows));
    expect(e.description).toMatch(/line 2: the record is longer than bulk.maxRowBytes/);
  });

  it('refuses an empty body', async () => {
    const e = await failure(() => readCsv(body(''), options));
    expect(e.description).toMatch(/the CSV is empty/);
  });

  it('passes on a failure of the body itself', async () => {
    const broken = new Readable({ read() {} });
    broken.push('email\na@example.com\n');
    const sut = await readCsv(broken, options);
    broken.destroy(new Error('client went away'));
    await expect(all(sut.rows)).rejects.toThrow('client went away');
  });
});

describe('readJsonArray', () => {
  it('yields each element of the array, whatever the chunking', async () => {
    const sut = readJsonArray(body(' \n[{"email":"a@exa', 'mple.com"}, {"email": "b@example.com", "claims": {"teams": ["x"]}}, 3 ', ']\n'));
    expect(await all(sut)).toEqual([
      { row: 1, value: { email: 'a@example.com' } },
      { row: 2, value: { email: 'b@example.com', claims: { teams: ['x'] } } },
      { row: 3, value: 3 },
    ]);
  });

  it.each([
    ['a missing colon', '[\n  {"email": "a@example.com"},\n  {"email" "b@example.com"}\n]', { line: 3, column: 12 }, /line 3, column 12 \(in row 2 of the array\)/],
    ['a bad literal', '[{"ok": tru }]', { line: 1, column: 12 }, /line 1, column 12 \(in row 1 of the array\)/],
    ['a trailing comma', '[{"a": 1},\n]', { line: 2, column: 1 }, /line 2, column 1 \(in row 2 of the array\)/],
    ['a second document', '[{"a": 1}]\n[2]', { line: 2, column: 1 }, /more after its array ends|line 2, column 1/],
  ])('names the line and column of %s', async (_name, text, position, message) => {
    const e = await failure(() => all(readJsonArray(body(text))));
    expect(e.position).toEqual(position);
    expect(e.description).toMatch(message);
  });

  it('refuses a top-level value that is not an array', async () => {
    const e = await failure(() => all(readJsonArray(body('\n {"email": "a@example.com"}'))));
    expect(e.description).toMatch(/must be an array of row objects/);
    expect(e.position).toEqual({ offset: 2, line: 2, column: 2 });
  });

  it('refuses a body that ends inside the array, saying how far it got', async () => {
    const e = await failure(() => all(readJsonArray(body('[{"email": "a@example.com"}, {"em'))));
    expect(e.description).toMatch(/ends inside the array \(after 1 complete row\)/);
  });

  it('refuses an empty body', async () => {
    const e = await failure(() => all(readJsonArray(body('  \n'))));
    expect(e.description).toMatch(/the body is empty/);
  });
});
