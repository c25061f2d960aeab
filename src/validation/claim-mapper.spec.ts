import { mapClaims, type OutputClaim } from './claim-mapper';

const DEFAULT = 'default@example.com';
const MISSING = Symbol('missing: the mapping fails');
const ABSENT = Symbol('absent: no claim in the result, no failure');

/**
 * Every combination of partner name × default × always-use-default × required, each against a
 * token that has the source claim and one that lacks it. With a partner name, the "lacking"
 * token still carries a claim named like `claimType`, which must be ignored.
 */
type Row = [partner: string | undefined, defaultValue: string | undefined, always: boolean, required: boolean, tokenHasSource: boolean, expected: unknown];

// prettier-ignore
const rows: Row[] = [
  // no partner name: the token's `email` claim is the source
  [undefined, undefined, false, false, true,  'email@token'],
  [undefined, undefined, false, false, false, ABSENT],
  [undefined, undefined, false, true,  true,  'email@token'],
  [undefined, undefined, false, true,  false, MISSING],
  [undefined, undefined, true,  false, true,  'email@token'], // always without a default: nothing to force (config refuses it)
  [undefined, undefined, true,  false, false, ABSENT],
  [undefined, undefined, true,  true,  true,  'email@token'],
  [undefined, undefined, true,  true,  false, MISSING],
  [undefined, DEFAULT,   false, false, true,  'email@token'],
  [undefined, DEFAULT,   false, false, false, DEFAULT],
  [undefined, DEFAULT,   false, true,  true,  'email@token'],
  [undefined, DEFAULT,   false, true,  false, DEFAULT],
  [undefined, DEFAULT,   true,  false, true,  DEFAULT],
  [undefined, DEFAULT,   true,  false, false, DEFAULT],
  [undefined, DEFAULT,   true,  true,  true,  DEFAULT],
  [undefined, DEFAULT,   true,  true,  false, DEFAULT],
  // partner name `mail`: the token's `mail` claim is the source, its `email` claim is ignored
  ['mail',    undefined, false, false, true,  'mail@token'],
  ['mail',    undefined, false, false, false, ABSENT],
  ['mail',    undefined, false, true,  true,  'mail@token'],
  ['mail',    undefined, false, true,  false, MISSING],
  ['mail',    undefined, true,  false, true,  'mail@token'],
  ['mail',    undefined, true,  false, false, ABSENT],
  ['mail',    undefined, true,  true,  true,  'mail@token'],
  ['mail',    undefined, true,  true,  false, MISSING],
  ['mail',    DEFAULT,   false, false, true,  'mail@token'],
  ['mail',    DEFAULT,   false, false, false, DEFAULT],
  ['mail',    DEFAULT,   false, true,  true,  'mail@token'],
  ['mail',    DEFAULT,   false, true,  false, DEFAULT],
  ['mail',    DEFAULT,   true,  false, true,  DEFAULT],
  ['mail',    DEFAULT,   true,  false, false, DEFAULT],
  ['mail',    DEFAULT,   true,  true,  true,  DEFAULT],
  ['mail',    DEFAULT,   true,  true,  false, DEFAULT],
];

describe('mapClaims', () => {
  it('has a row for every combination', () => {
    const keys = new Set(rows.map(([p, d, a, r, s]) => JSON.stringify([p ?? null, d ?? null, a, r, s])));
    expect(keys.size).toBe(2 * 2 * 2 * 2 * 2);
  });

  it.each(rows)('partner=%s default=%s always=%s required=%s tokenHasSource=%s → %p', (partner, defaultValue, always, required, hasSource, expected) => {
    const claim: OutputClaim = { claimType: 'email', partnerClaimType: partner, defaultValue, alwaysUseDefaultValue: always, required };
    const payload: Record<string, unknown> = partner
      ? hasSource
        ? { mail: 'mail@token', email: 'email@token' }
        : { email: 'email@token' }
      : hasSource
        ? { email: 'email@token', mail: 'mail@token' }
        : { mail: 'mail@token' };

    const sut = mapClaims(payload, [claim]);

    if (expected === MISSING) {
      expect(sut).toEqual({ ok: false, claims: {}, missing: ['email'] });
    } else if (expected === ABSENT) {
      expect(sut).toEqual({ ok: true, claims: {} });
    } else {
      expect(sut).toEqual({ ok: true, claims: { email: expected } });
    }
  });

  it('treats a null claim as missing, so the default or required rule applies', () => {
    expect(mapClaims({ email: null }, [{ claimType: 'email', defaultValue: DEFAULT }])).toEqual({ ok: true, claims: { email: DEFAULT } });
    expect(mapClaims({ email: null }, [{ claimType: 'email', required: true }])).toEqual({ ok: false, claims: {}, missing: ['email'] });
  });

  it('keeps falsy but present values (empty string, 0, false)', () => {
    const sut = mapClaims({ a: '', b: 0, c: false }, [
      { claimType: 'a', defaultValue: 'x', required: true },
      { claimType: 'b', defaultValue: 1 },
      { claimType: 'c', defaultValue: true },
    ]);
    expect(sut).toEqual({ ok: true, claims: { a: '', b: 0, c: false } });
  });

  it('copies structured values as they are', () => {
    expect(mapClaims({ roles: ['a', 'b'], address: { city: 'Oslo' } }, [{ claimType: 'roles' }, { claimType: 'addr', partnerClaimType: 'address' }])).toEqual({
      ok: true,
      claims: { roles: ['a', 'b'], addr: { city: 'Oslo' } },
    });
  });

  it('lists every missing required claim, and maps the rest', () => {
    const sut = mapClaims({ given_name: 'Ada' }, [
      { claimType: 'email', required: true },
      { claimType: 'givenName', partnerClaimType: 'given_name', required: true },
      { claimType: 'objectId', partnerClaimType: 'oid', required: true },
    ]);
    expect(sut).toEqual({ ok: false, claims: { givenName: 'Ada' }, missing: ['email', 'objectId'] });
  });

  it('reads only the token’s own claims, never inherited properties', () => {
    const sut = mapClaims(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>, [
      { claimType: 'constructor', required: true },
      { claimType: 'toString' },
      { claimType: 'proto', partnerClaimType: '__proto__' },
    ]);
    expect(sut).toEqual({ ok: false, claims: { proto: { polluted: true } }, missing: ['constructor'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns an empty result for no output claims', () => {
    expect(mapClaims({ email: 'a@b' }, [])).toEqual({ ok: true, claims: {} });
  });
});
