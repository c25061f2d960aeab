import { metadataFindings, relyingPartyFindings } from './self-check.findings';
import type { Finding, MetadataObservation, RelyingPartyObservation } from './self-check.types';

const NOW = new Date('2026-06-01T00:00:00Z');
const PUBLIC = 'https://id.contoso.com';

/** What a healthy deployment looks like from outside; each test spoils one thing. */
function healthy(): MetadataObservation {
  return {
    publicUrl: PUBLIC,
    discovery: { url: `${PUBLIC}/.well-known/openid-configuration`, status: 200, issuer: PUBLIC, jwksUri: `${PUBLIC}/.well-known/keys` },
    jwks: { url: `${PUBLIC}/.well-known/keys`, status: 200, kids: ['next', 'active'], document: { keys: [] } },
    activeKey: { kid: 'active', certificateNotAfter: new Date('2027-06-01T00:00:00Z') },
  };
}

function checks(findings: Finding[]): [string, string, string | null][] {
  return findings.map((f) => [f.check, f.severity, f.code]);
}

describe('metadataFindings', () => {
  it('finds nothing wrong with a healthy HTTPS deployment', () => {
    expect(metadataFindings(healthy(), PUBLIC, NOW)).toEqual([]);
  });

  it('warns about plain HTTP on loopback and refuses it anywhere else (B2C needs HTTPS)', () => {
    const loopback = { ...healthy(), publicUrl: 'http://localhost:3000' };
    expect(checks(metadataFindings(loopback, 'http://localhost:3000', NOW))).toContainEqual(['public-url-https', 'warning', 'AADB2C90210']);
    const lan = { ...healthy(), publicUrl: 'http://tessera.internal' };
    expect(checks(metadataFindings(lan, 'http://tessera.internal', NOW))).toContainEqual(['public-url-https', 'error', 'AADB2C90210']);
  });

  it('names an unreachable discovery document and an unreachable key set', () => {
    const sut = {
      ...healthy(),
      discovery: { url: `${PUBLIC}/.well-known/openid-configuration`, problem: 'connection refused' },
      jwks: { url: `${PUBLIC}/.well-known/keys`, status: 404, problem: 'HTTP 404' },
    };
    const findings = metadataFindings(sut, PUBLIC, NOW);
    expect(checks(findings)).toEqual([
      ['discovery-reachable', 'error', 'AADB2C90210'],
      ['jwks-reachable', 'error', 'AADB2C90210'],
    ]);
    expect(findings[0].message).toMatch(/could not be fetched \(connection refused\)/);
    expect(findings[1].message).toMatch(/answers HTTP 404/);
  });

  it('names redirects, which relying parties do not follow to metadata', () => {
    const sut = { ...healthy(), jwks: { url: `${PUBLIC}/.well-known/keys`, status: 301, location: 'https://cdn.contoso.com/keys', problem: 'redirect (301)' } };
    const [finding] = metadataFindings(sut, PUBLIC, NOW);
    expect(finding).toMatchObject({ check: 'jwks-reachable', severity: 'error', code: 'AADB2C90210' });
    expect(finding.message).toMatch(/answers 301 redirecting to https:\/\/cdn\.contoso\.com\/keys/);
    expect(finding.fix).toMatch(/do not follow redirects/);
  });

  it('names a discovery issuer that is not the iss hints carry (AADB2C90232)', () => {
    const sut = healthy();
    sut.discovery.issuer = 'https://other.contoso.com';
    expect(checks(metadataFindings(sut, PUBLIC, NOW))).toEqual([['issuer-matches-discovery', 'error', 'AADB2C90232']]);
  });

  it('refuses an issuer that differs from PUBLIC_URL by a trailing slash, and only warns about a deliberate other issuer', () => {
    const slash = healthy();
    slash.discovery.issuer = `${PUBLIC}/`;
    const slashed = metadataFindings(slash, `${PUBLIC}/`, NOW);
    expect(checks(slashed)).toEqual([['issuer-matches-public-url', 'error', 'AADB2C90232']]);
    expect(slashed[0].fix).toContain(`"${PUBLIC}"`);

    const other = healthy();
    other.discovery.issuer = 'https://issuer.contoso.com/tessera';
    expect(checks(metadataFindings(other, 'https://issuer.contoso.com/tessera', NOW))).toEqual([['issuer-matches-public-url', 'warning', 'AADB2C90232']]);
  });

  it('warns when jwks_uri is on another host, and judges its scheme there', () => {
    const sut = healthy();
    sut.discovery.jwksUri = 'http://keys.contoso.com/jwks';
    expect(checks(metadataFindings(sut, PUBLIC, NOW))).toEqual([
      ['jwks-uri-https', 'error', 'AADB2C90210'],
      ['jwks-uri-host', 'warning', null],
    ]);
  });

  it('names an active key the JWKS does not publish (AADB2C90233), listing what it does publish', () => {
    const sut = healthy();
    sut.jwks.kids = ['old'];
    const [finding] = metadataFindings(sut, PUBLIC, NOW);
    expect(finding).toMatchObject({ check: 'active-key-published', severity: 'error', code: 'AADB2C90233' });
    expect(finding.message).toContain('"active"');
    expect(finding.message).toContain('"old"');
  });

  it('does not guess about publication when the JWKS could not be read', () => {
    const sut = { ...healthy(), jwks: { url: `${PUBLIC}/.well-known/keys`, problem: 'timeout' } };
    expect(checks(metadataFindings(sut, PUBLIC, NOW)).map(([check]) => check)).toEqual(['jwks-reachable']);
  });

  it('names a key store without a usable key', () => {
    const sut = { ...healthy(), activeKey: { problem: 'the keystore passphrase does not open the stored key' } };
    expect(checks(metadataFindings(sut, PUBLIC, NOW))).toEqual([['active-key-published', 'error', 'AADB2C90233']]);
  });

  it('refuses an expired certificate and warns within 30 days of the end', () => {
    const expired = healthy();
    expired.activeKey = { kid: 'active', certificateNotAfter: new Date('2026-05-31T23:59:59Z') };
    expect(checks(metadataFindings(expired, PUBLIC, NOW))).toEqual([['certificate-validity', 'error', 'AADB2C90233']]);
    const ending = healthy();
    ending.activeKey = { kid: 'active', certificateNotAfter: new Date('2026-06-20T00:00:00Z') };
    const [warning] = metadataFindings(ending, PUBLIC, NOW);
    expect(warning).toMatchObject({ check: 'certificate-validity', severity: 'warning' });
    expect(warning.message).toMatch(/in 19 days/);
    const fine = healthy();
    fine.activeKey = { kid: 'active', certificateNotAfter: new Date('2026-07-02T00:00:00Z') };
    expect(metadataFindings(fine, PUBLIC, NOW)).toEqual([]);
  });
});

describe('relyingPartyFindings', () => {
  const rp = (hint: RelyingPartyObservation['hint'], extra: Partial<RelyingPartyObservation> = {}): RelyingPartyObservation => ({
    id: 'contoso',
    signing: 'RS256',
    audience: 'client-id',
    hint,
    ...extra,
  });

  it('finds nothing when the test hint validates, or when there was nothing to validate it against', () => {
    expect(relyingPartyFindings(rp({ minted: true, iss: PUBLIC }))).toEqual([]);
    expect(relyingPartyFindings(rp({ minted: true, iss: PUBLIC, failure: { kind: 'skipped', message: 'no metadata' } }))).toEqual([]);
  });

  it.each([
    ['issuer', 'AADB2C90232'],
    ['audience', 'AADB2C90209'],
    ['signature', 'AADB2C90233'],
    ['expired', 'AADB2C90208'],
    ['invalid', 'AADB2C90210'],
  ] as const)('reports a %s failure of the test hint as %s', (kind, code) => {
    const [finding] = relyingPartyFindings(rp({ minted: true, iss: PUBLIC, failure: { kind, message: 'jose says no' } }));
    expect(finding).toMatchObject({ check: 'hint-validates', severity: 'error', code });
    expect(finding.message).toMatch(/aud "client-id".*jose says no/);
  });

  it('names a missing HS256 secret once, without a hint finding on top', () => {
    const findings = relyingPartyFindings(
      rp({ minted: false, problem: 'no HS256 secret named "b2c"' }, { signing: 'HS256', secret: { name: 'b2c', present: false } }),
    );
    expect(checks(findings)).toEqual([['hs256-secret', 'error', null]]);
    expect(findings[0].fix).toContain('b2c');
  });

  it('names a hint that could not be minted', () => {
    expect(checks(relyingPartyFindings(rp({ minted: false, problem: 'no active key' })))).toEqual([['hint-validates', 'error', null]]);
  });
});
