import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type FieldProblem } from '../common/errors';
import { loadConfig } from '../config/config.loader';
import { expectedIssuer, MetadataHintProfileConfig, SymmetricHintProfileConfig } from './hint-profiles.config';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

function load(hintProfiles: unknown) {
  return loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'tessera-hints-')), overrides: { hintProfiles } });
}

function problems(hintProfiles: unknown): FieldProblem[] {
  try {
    load(hintProfiles);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const symmetric = { id: 'partner', kind: 'symmetric', issuer: 'https://partner.example.com', audience: 'signup', secret: SECRET };
const metadata = { id: 'contoso', kind: 'metadata', metadataUrl: 'https://id.contoso.com/.well-known/openid-configuration', audience: 'signup' };

describe('hintProfiles configuration', () => {
  it('defaults to no profiles', () => {
    expect(load(undefined).config.hintProfiles).toEqual([]);
  });

  it('builds each kind with its documented defaults', () => {
    const [sym, meta] = load([symmetric, metadata]).config.hintProfiles;
    expect(sym).toBeInstanceOf(SymmetricHintProfileConfig);
    expect(sym).toMatchObject({ clockSkewSeconds: 300, maxTokenLength: 8192, outputClaims: [] });
    expect(meta).toBeInstanceOf(MetadataHintProfileConfig);
    expect(meta).toMatchObject({
      algorithms: ['RS256'],
      allowHttp: false,
      allowPrivateNetworks: false,
      allowedCidrs: [],
      metadataCacheSeconds: 86400,
      jwksCacheSeconds: 600,
      jwksCooldownSeconds: 30,
      clockSkewSeconds: 300,
    });
    expect(expectedIssuer(meta as MetadataHintProfileConfig)).toBe('https://id.contoso.com');
  });

  it('reads a profile list from the YAML file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-hints-'));
    writeFileSync(
      join(cwd, 'tessera.yaml'),
      [
        'hintProfiles:',
        '  - id: contoso',
        '    kind: metadata',
        '    metadataUrl: https://id.contoso.com/tenant/.well-known/openid-configuration',
        '    audience: signup',
        '    algorithms: [RS256, ES256]',
        '    outputClaims:',
        '      - { claimType: email, required: true }',
        '      - { claimType: displayName, partnerClaimType: name, defaultValue: Friend }',
      ].join('\n'),
    );
    const [profile] = loadConfig({ env: {}, cwd }).config.hintProfiles as MetadataHintProfileConfig[];
    expect(profile.algorithms).toEqual(['RS256', 'ES256']);
    expect(profile.outputClaims).toEqual([
      { claimType: 'email', required: true, alwaysUseDefaultValue: false },
      { claimType: 'displayName', partnerClaimType: 'name', defaultValue: 'Friend', alwaysUseDefaultValue: false, required: false },
    ]);
    expect(expectedIssuer(profile)).toBe('https://id.contoso.com/tenant');
  });

  it.each<[string, unknown, FieldProblem]>([
    ['a missing kind', [{ id: 'x' }], { field: 'hintProfiles[0].kind', problem: 'must be "symmetric" or "metadata"' }],
    ['an unknown kind', [{ ...symmetric, kind: 'jwks' }], { field: 'hintProfiles[0].kind', problem: 'must be "symmetric" or "metadata"' }],
    ['a bad id', [{ ...symmetric, id: 'no spaces' }], { field: 'hintProfiles[0].id', problem: expect.stringMatching(/letters, digits/) }],
    ['a missing audience', [{ ...symmetric, audience: undefined }], { field: 'hintProfiles[0].audience', problem: expect.any(String) }],
    ['a missing issuer (symmetric)', [{ ...symmetric, issuer: undefined }], { field: 'hintProfiles[0].issuer', problem: expect.any(String) }],
    ['no secret', [{ ...symmetric, secret: undefined }], { field: 'hintProfiles[0].secret', problem: expect.stringMatching(/required .*secretEnv/) }],
    [
      'a 31-byte secret',
      [{ ...symmetric, secret: 'x'.repeat(31) }],
      { field: 'hintProfiles[0].secret', problem: 'is 31 bytes; HS256 secrets need at least 32 bytes (B2C refuses shorter policy keys)' },
    ],
    [
      'a short multi-byte secret counted in UTF-8 bytes',
      [{ ...symmetric, secret: 'é'.repeat(15) }],
      { field: 'hintProfiles[0].secret', problem: expect.stringMatching(/^is 30 bytes/) },
    ],
    ['both secret and secretEnv', [{ ...symmetric, secretEnv: 'HINT_SECRET_BOTH' }], { field: 'hintProfiles[0].secretEnv', problem: 'set either secret or secretEnv, not both' }],
    [
      'an unset secretEnv',
      [{ ...symmetric, secret: undefined, secretEnv: 'TESSERA_TEST_UNSET_HINT_SECRET' }],
      { field: 'hintProfiles[0].secretEnv', problem: 'environment variable TESSERA_TEST_UNSET_HINT_SECRET is not set' },
    ],
    ['a plain-http metadataUrl', [{ ...metadata, metadataUrl: 'http://id.contoso.com/.well-known/openid-configuration' }], { field: 'hintProfiles[0].metadataUrl', problem: expect.stringMatching(/must be an https URL/) }],
    [
      'allowHttp for a non-loopback host',
      [{ ...metadata, allowHttp: true, metadataUrl: 'http://id.contoso.com/.well-known/openid-configuration' }],
      { field: 'hintProfiles[0].metadataUrl', problem: expect.stringMatching(/only allowed for a loopback host/) },
    ],
    ['a relative metadataUrl', [{ ...metadata, metadataUrl: '/.well-known/openid-configuration' }], { field: 'hintProfiles[0].metadataUrl', problem: 'is not an absolute URL' }],
    ['credentials in metadataUrl', [{ ...metadata, metadataUrl: 'https://u:p@id.contoso.com/.well-known/openid-configuration' }], { field: 'hintProfiles[0].metadataUrl', problem: 'must not carry credentials' }],
    [
      'a metadataUrl that is not a discovery URL, without issuer',
      [{ ...metadata, metadataUrl: 'https://id.contoso.com/metadata.json' }],
      { field: 'hintProfiles[0].issuer', problem: expect.stringMatching(/required when metadataUrl does not end in/) },
    ],
    ['HS256 on a metadata profile', [{ ...metadata, algorithms: ['HS256'] }], { field: 'hintProfiles[0].algorithms', problem: 'each value must be one of RS256, PS256, ES256' }],
    ['alg none on a metadata profile', [{ ...metadata, algorithms: ['none'] }], { field: 'hintProfiles[0].algorithms', problem: 'each value must be one of RS256, PS256, ES256' }],
    ['an empty algorithm list', [{ ...metadata, algorithms: [] }], { field: 'hintProfiles[0].algorithms', problem: expect.stringMatching(/empty/) }],
    ['a bad CIDR', [{ ...metadata, allowedCidrs: ['10.0.0.0/8', '10.0.0/33'] }], { field: 'hintProfiles[0].allowedCidrs', problem: '"10.0.0/33" is not a CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)' }],
    ['a symmetric-only field on a metadata profile', [{ ...metadata, secret: SECRET }], { field: 'hintProfiles[0].secret', problem: 'is not a known setting' }],
    ['a metadata-only field on a symmetric profile', [{ ...symmetric, metadataUrl: metadata.metadataUrl }], { field: 'hintProfiles[0].metadataUrl', problem: 'is not a known setting' }],
    ['a clock skew over an hour', [{ ...symmetric, clockSkewSeconds: 7200 }], { field: 'hintProfiles[0].clockSkewSeconds', problem: expect.stringMatching(/3600/) }],
    ['a non-array outputClaims', [{ ...symmetric, outputClaims: { claimType: 'email' } }], { field: 'hintProfiles[0].outputClaims', problem: expect.stringMatching(/array/) }],
    ['an output claim without claimType', [{ ...symmetric, outputClaims: [{ partnerClaimType: 'mail' }] }], { field: 'hintProfiles[0].outputClaims[0].claimType', problem: expect.any(String) }],
    [
      'alwaysUseDefaultValue without defaultValue',
      [{ ...symmetric, outputClaims: [{ claimType: 'role', alwaysUseDefaultValue: true }] }],
      { field: 'hintProfiles[0].outputClaims[0].defaultValue', problem: 'is required when alwaysUseDefaultValue is true' },
    ],
    ['an object defaultValue', [{ ...symmetric, outputClaims: [{ claimType: 'role', defaultValue: { a: 1 } }] }], { field: 'hintProfiles[0].outputClaims[0].defaultValue', problem: 'must be a string, a number or a boolean' }],
    ['a repeated claimType', [{ ...symmetric, outputClaims: [{ claimType: 'email' }, { claimType: 'email', partnerClaimType: 'mail' }] }], { field: 'hintProfiles[0].outputClaims', problem: 'claimType "email" is listed more than once' }],
    ['an entry that is not a mapping', [symmetric, 'contoso'], { field: 'hintProfiles[1]', problem: expect.any(String) }],
    ['a duplicate profile id', [symmetric, { ...metadata, id: 'partner' }], { field: 'hintProfiles', problem: 'profile id "partner" is used more than once (hintProfiles[0], hintProfiles[1])' }],
  ])('names the field for %s', (_name, profiles, expected) => {
    expect(problems(profiles)).toEqual(expect.arrayContaining([expected]));
  });

  it('names the right entry when the second profile is bad', () => {
    expect(problems([symmetric, { ...metadata, metadataUrl: 'ftp://id.contoso.com/.well-known/openid-configuration' }]).map((p) => p.field)).toEqual(['hintProfiles[1].metadataUrl']);
  });

  describe('secretEnv', () => {
    const name = 'TESSERA_TEST_HINT_SECRET_CONFIG';
    afterEach(() => {
      delete process.env[name];
    });

    it('accepts a secret held in an environment variable', () => {
      process.env[name] = SECRET;
      const [profile] = load([{ ...symmetric, secret: undefined, secretEnv: name }]).config.hintProfiles;
      expect(profile).toMatchObject({ secretEnv: name });
    });

    it('refuses a short secret held in an environment variable without printing it', () => {
      process.env[name] = 'short-secret';
      const found = problems([{ ...symmetric, secret: undefined, secretEnv: name }]);
      expect(found).toEqual([{ field: 'hintProfiles[0].secretEnv', problem: expect.stringMatching(/holds 12 bytes; HS256 secrets need at least 32/) }]);
      expect(JSON.stringify(found)).not.toContain('short-secret');
    });
  });

  it('never echoes a short inline secret in the error', () => {
    const found = problems([{ ...symmetric, secret: 'tiny-secret-value' }]);
    expect(JSON.stringify(found)).not.toContain('tiny-secret-value');
  });
});
