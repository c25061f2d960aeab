import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../common/errors';
import { loadConfig } from '../config/config.loader';

function load(relyingParties: unknown[], extra: Record<string, unknown> = {}) {
  return loadConfig({ env: {}, overrides: { relyingParties, ...extra }, cwd: mkdtempSync(join(tmpdir(), 'tessera-rp-')) });
}

function problems(relyingParties: unknown[], extra: Record<string, unknown> = {}): string[] {
  try {
    load(relyingParties, extra);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.field}: ${p.problem}`);
    throw e;
  }
  return [];
}

const valid = { id: 'portal', displayName: 'Portal', audience: 'client-id', signUpUrl: 'https://portal.example.com/signup' };

describe('relyingParties configuration', () => {
  it('defaults to none, and fills every documented default of an entry', () => {
    expect(load([]).config.relyingParties).toEqual([]);
    const [sut] = load([valid]).config.relyingParties;
    expect(sut).toMatchObject({
      linkMode: 'landing',
      hintLifetimeSeconds: 600,
      invitationLifetimeSeconds: 7 * 24 * 3600,
      maxInvitationLifetimeSeconds: 30 * 24 * 3600,
      allowedEmailDomains: [],
      claims: [],
      defaultLocale: 'en',
      signing: { alg: 'RS256' },
    });
  });

  it('names each problem with its path', () => {
    const found = problems([
      valid,
      {
        ...valid,
        id: 'second',
        signUpUrl: 'http://portal.example.com/x?a={email}',
        linkMode: 'sideways',
        signing: { alg: 'HS256' },
        claims: [{ name: 'iss', type: 'string' }, { name: 'role', type: 'date' }],
        allowedEmailDomains: ['not a domain'],
        invitationLifetimeSeconds: 40 * 24 * 3600,
        defaultLocale: 'fr',
        mail: { from: 'a, b' },
      },
    ]).join('\n');
    expect(found).toMatch(/^relyingParties\[1\]\.signUpUrl: .*unknown placeholder \{email\}/m);
    expect(found).toMatch(/^relyingParties\[1\]\.linkMode: /m);
    expect(found).toMatch(/^relyingParties\[1\]\.signing\.secret: must name the key store secret/m);
    expect(found).toMatch(/^relyingParties\[1\]\.claims\[0\]\.name: "iss" is a registered claim name/m);
    expect(found).toMatch(/^relyingParties\[1\]\.claims\[1\]\.type: /m);
    expect(found).toMatch(/^relyingParties\[1\]\.allowedEmailDomains: /m);
    expect(found).toMatch(/^relyingParties\[1\]\.invitationLifetimeSeconds: must not exceed maxInvitationLifetimeSeconds/m);
    expect(found).toMatch(/^relyingParties\[1\]\.defaultLocale: /m);
    expect(found).toMatch(/^relyingParties\[1\]\.mail\.from: /m);
  });

  it('refuses duplicate ids and claim names, naming both places', () => {
    const found = problems([
      valid,
      { ...valid, claims: [{ name: 'role' }, { name: 'role' }] },
    ]).join('\n');
    expect(found).toMatch(/relyingParties\[1\]\.id "portal" is already used by relyingParties\[0\]/);
    expect(found).toMatch(/relyingParties\[1\]\.claims\[1\]\.name "role" is already declared by claims\[0\]/);
  });

  it('refuses a secret name on an RS256 relying party', () => {
    expect(problems([{ ...valid, signing: { alg: 'RS256', secret: 'x' } }]).join('\n')).toMatch(
      /relyingParties\[0\]\.signing\.secret: is only used with alg HS256/,
    );
  });

  it('keeps a direct-mode invitation cap within the token lifetime cap, since the hint lives as long as the invitation', () => {
    const found = problems([{ ...valid, linkMode: 'direct', maxInvitationLifetimeSeconds: 20 * 24 * 3600, invitationLifetimeSeconds: 3600 }], {
      tokens: { maxLifetimeSeconds: 10 * 24 * 3600 },
    }).join('\n');
    expect(found).toMatch(/relyingParties\[0\]\.maxInvitationLifetimeSeconds \(1728000\) exceeds tokens\.maxLifetimeSeconds/);
  });

  it('accepts an HS256 relying party naming its secret, and unknown keys are refused', () => {
    expect(problems([{ ...valid, signing: { alg: 'HS256', secret: 'b2c-invite' } }])).toEqual([]);
    expect(problems([{ ...valid, colour: 'blue' }]).join('\n')).toMatch(/relyingParties\[0\]\.colour: is not a known setting/);
  });
});
