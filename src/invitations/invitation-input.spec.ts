import 'reflect-metadata';
import type { FieldProblem } from '../common/errors';
import { toRelyingParty } from '../relying-parties/relying-party';
import { RelyingPartyClaimConfig, RelyingPartyConfig } from '../relying-parties/relying-parties.config';
import { checkClaims, checkEmailDomain, lifetimeSeconds, normalizeEmail } from './invitation-input';

function rp(overrides: Partial<RelyingPartyConfig> = {}) {
  const config = Object.assign(new RelyingPartyConfig(), {
    id: 'portal',
    displayName: 'Portal',
    audience: 'aud',
    signUpUrl: 'https://portal.example.com/join',
    claims: [
      Object.assign(new RelyingPartyClaimConfig(), { name: 'role', type: 'string', required: true }),
      Object.assign(new RelyingPartyClaimConfig(), { name: 'teams', type: 'string[]' }),
      Object.assign(new RelyingPartyClaimConfig(), { name: 'level', type: 'integer' }),
    ],
    allowedEmailDomains: ['example.com', '*.example.org'],
    ...overrides,
  });
  return toRelyingParty(config);
}

describe('invitation input checks', () => {
  it('normalizes the email to lower case and refuses what is not an address', () => {
    const problems: FieldProblem[] = [];
    expect(normalizeEmail('  Ada@Example.COM ', 'email', problems)).toBe('ada@example.com');
    expect(normalizeEmail('ada@', 'rows[2].email', problems)).toBeUndefined();
    expect(problems).toEqual([{ field: 'rows[2].email', problem: '"ada@" is not an email address' }]);
  });

  it('accepts declared claims of the declared type and names every other problem', () => {
    const problems: FieldProblem[] = [];
    const sut = checkClaims(rp(), { role: 'admin', teams: ['a'], level: 2.5, iss: 'x', extra: 1 }, 'claims', problems);
    expect(sut).toEqual({ role: 'admin', teams: ['a'] });
    expect(problems.map((p) => p.field)).toEqual(['claims.level', 'claims.iss', 'claims.extra']);
    expect(problems[1].problem).toMatch(/registered claim/);
  });

  it('requires required claims', () => {
    const problems: FieldProblem[] = [];
    checkClaims(rp(), {}, 'claims', problems);
    expect(problems).toEqual([{ field: 'claims.role', problem: 'is required by relying party "portal"' }]);
  });

  it('allows listed domains and subdomains of a wildcard only', () => {
    const check = (email: string) => {
      const problems: FieldProblem[] = [];
      checkEmailDomain(rp(), email, 'email', problems);
      return problems.length === 0;
    };
    expect(check('a@example.com')).toBe(true);
    expect(check('a@eu.example.org')).toBe(true);
    expect(check('a@example.org')).toBe(false);
    expect(check('a@sub.example.com')).toBe(false);
    expect(check('a@evilexample.com')).toBe(false);
  });

  it('caps the lifetime at the relying party maximum and defaults to its lifetime', () => {
    const problems: FieldProblem[] = [];
    expect(lifetimeSeconds(undefined, rp(), 'expiresIn', problems)).toBe(7 * 24 * 3600);
    expect(lifetimeSeconds(31 * 24 * 3600, rp(), 'expiresIn', problems)).toBeUndefined();
    expect(problems[0]).toEqual({ field: 'expiresIn', problem: 'must not exceed 2592000 seconds, the cap of relying party "portal"' });
  });
});
