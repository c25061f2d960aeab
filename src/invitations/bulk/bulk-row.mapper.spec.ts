import 'reflect-metadata';
import type { RelyingParty } from '../../relying-parties/relying-party';
import { MalformedImportError } from './bulk-import.errors';
import { convertClaim, csvFieldName, csvRecordToInput, jsonElementToInput, parseCsvHeader } from './bulk-row.mapper';

const contoso = {
  id: 'contoso',
  claims: new Map([
    ['role', { name: 'role', type: 'string', required: false }],
    ['seats', { name: 'seats', type: 'integer', required: false }],
    ['ratio', { name: 'ratio', type: 'number', required: false }],
    ['admin', { name: 'admin', type: 'boolean', required: false }],
    ['teams', { name: 'teams', type: 'string[]', required: false }],
  ]),
} as unknown as RelyingParty;
const find = (id: string) => (id === 'contoso' ? contoso : undefined);

describe('parseCsvHeader', () => {
  it('accepts the row fields and claim.<name> columns in any order', () => {
    const sut = parseCsvHeader([' email ', 'claim.role', 'relyingParty', 'name', 'inviterName', 'locale', 'expiresIn'], {});
    expect(sut.columns).toEqual([
      { kind: 'field', name: 'email' },
      { kind: 'claim', name: 'role' },
      { kind: 'field', name: 'relyingParty' },
      { kind: 'field', name: 'name' },
      { kind: 'field', name: 'inviterName' },
      { kind: 'field', name: 'locale' },
      { kind: 'field', name: 'expiresIn' },
    ]);
  });

  it('needs no relyingParty column when the request names one for every row', () => {
    expect(parseCsvHeader(['email'], { relyingParty: 'contoso' }).columns).toEqual([{ kind: 'field', name: 'email' }]);
  });

  it.each([
    [['email', 'relyingParty', 'colour'], { line: 1, column: 3 }, /column 3 "colour" is not a known column/],
    [['email', 'relyingParty', 'email'], { line: 1, column: 3 }, /names "email" twice \(columns 1 and 3\)/],
    [['email', '', 'relyingParty'], { line: 1, column: 2 }, /column 2 is empty/],
    [['email', 'relyingParty', 'claim.bad name'], { line: 1, column: 3 }, /"claim.bad name" is not a known column/],
    [['name', 'relyingParty'], { line: 1 }, /no "email" column/],
    [['email'], { line: 1 }, /no "relyingParty" column and the request names no \?relyingParty=/],
  ])('refuses the header %j', (fields, position, message) => {
    let error: unknown;
    try {
      parseCsvHeader(fields, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedImportError);
    expect((error as MalformedImportError).position).toEqual(position);
    expect((error as MalformedImportError).description).toMatch(message);
  });
});

describe('csvRecordToInput', () => {
  const header = parseCsvHeader(['email', 'name', 'relyingParty', 'expiresIn', 'claim.role', 'claim.seats', 'claim.teams', 'claim.admin'], {});

  it('types each cell as the API takes it, and leaves empty cells out', () => {
    const sut = csvRecordToInput(header, [' ada@example.com ', 'Ada', 'contoso', '3600', 'admin', '4', 'red; blue;', 'TRUE'], { send: false }, find);
    expect(sut).toEqual({
      ok: true,
      input: {
        email: 'ada@example.com',
        name: 'Ada',
        relyingParty: 'contoso',
        expiresIn: 3600,
        claims: { role: 'admin', seats: 4, teams: ['red', 'blue'], admin: true },
        send: false,
        supersede: false,
      },
    });
    const sparse = csvRecordToInput(header, ['b@example.com', '', 'contoso', '', '', '', '', ''], { send: true }, find);
    expect(sparse).toEqual({ ok: true, input: { email: 'b@example.com', relyingParty: 'contoso', send: true, supersede: false } });
  });

  it('takes the request relying party for a row with none, and keeps a row’s own', () => {
    const own = csvRecordToInput(header, ['a@example.com', '', 'other', '', '', '', '', ''], { relyingParty: 'contoso', send: true }, find);
    const inherited = csvRecordToInput(header, ['a@example.com', '', '', '', '', '', '', ''], { relyingParty: 'contoso', send: true }, find);
    expect(own.ok && own.input.relyingParty).toBe('other');
    expect(inherited.ok && inherited.input.relyingParty).toBe('contoso');
  });

  it('leaves cells that are not of their type as text, for the type check to name', () => {
    const sut = csvRecordToInput(header, ['a@example.com', '', 'contoso', '7d', '', 'three', '', 'yes'], { send: true }, find);
    expect(sut.ok && sut.input).toMatchObject({ expiresIn: '7d', claims: { seats: 'three', admin: 'yes' } });
  });

  it('passes undeclared claims and claims of an unknown relying party on as text', () => {
    const sut = csvRecordToInput(header, ['a@example.com', '', 'elsewhere', '', '', '4', '', ''], { send: true }, find);
    expect(sut.ok && sut.input.claims).toEqual({ seats: '4' });
  });
});

describe('jsonElementToInput', () => {
  it('takes an object with the row fields, the request defaults filling in', () => {
    const sut = jsonElementToInput({ email: 'a@example.com', claims: { role: 'x' }, relyingParty: '' }, { relyingParty: 'contoso', send: false });
    expect(sut).toEqual({ ok: true, input: { email: 'a@example.com', claims: { role: 'x' }, relyingParty: 'contoso', send: false, supersede: false } });
  });

  it('refuses an element that is not an object', () => {
    for (const value of ['a@example.com', null, [1], 3]) {
      const sut = jsonElementToInput(value, { send: true });
      expect(sut.ok).toBe(false);
      expect(!sut.ok && sut.problems[0]).toMatchObject({ field: 'row', problem: expect.stringMatching(/JSON object/) });
    }
  });

  it('refuses fields a row does not have, send and supersede included (they belong to the request)', () => {
    const sut = jsonElementToInput({ email: 'a@example.com', send: true, supersede: true }, { send: true });
    expect(!sut.ok && sut.problems.map((p) => p.field)).toEqual(['send', 'supersede']);
  });
});

describe('convertClaim', () => {
  it.each([
    ['12', 'integer', 12],
    ['-1.5e3', 'number', -1500],
    ['1,5', 'number', '1,5'],
    ['false', 'boolean', false],
    ['no', 'boolean', 'no'],
    ['["a;b", "c"]', 'string[]', ['a;b', 'c']],
    ['[broken', 'string[]', '[broken'],
    ['a;;b', 'string[]', ['a', 'b']],
    ['007', 'string', '007'],
    ['007', undefined, '007'],
  ])('converts %j as %s', (cell, type, expected) => {
    expect(convertClaim(cell, type)).toEqual(expected);
  });
});

describe('csvFieldName', () => {
  it('names claims by their column', () => {
    expect(csvFieldName('claims.role')).toBe('claim.role');
    expect(csvFieldName('claims')).toBe('claims');
    expect(csvFieldName('email')).toBe('email');
  });
});
