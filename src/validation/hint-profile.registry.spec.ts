import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../common/errors';
import { loadConfig } from '../config/config.loader';
import { HintProfileRegistry } from './hint-profile.registry';
import { HintValidationError } from './hint-validation.error';

const ENV = 'TESSERA_TEST_REGISTRY_SECRET';
const SECRET = 'ünïcode secret, more than 32 bytes';

function configWith(hintProfiles: unknown[]) {
  return loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'tessera-registry-')), overrides: { hintProfiles } }).config;
}

describe('HintProfileRegistry', () => {
  afterEach(() => {
    delete process.env[ENV];
  });

  it('resolves a secret from the environment into its UTF-8 bytes', () => {
    process.env[ENV] = SECRET;
    const sut = new HintProfileRegistry(configWith([{ id: 'p', kind: 'symmetric', issuer: 'https://i', audience: 'a', secretEnv: ENV }]));
    const profile = sut.get('p');
    expect(profile.kind).toBe('symmetric');
    expect(profile.kind === 'symmetric' && Buffer.from(profile.key).equals(Buffer.from(SECRET, 'utf8'))).toBe(true);
    expect(profile.algorithms).toEqual(['HS256']);
  });

  it('fails the start when the variable disappeared after the configuration was read', () => {
    process.env[ENV] = SECRET;
    const config = configWith([{ id: 'p', kind: 'symmetric', issuer: 'https://i', audience: 'a', secretEnv: ENV }]);
    delete process.env[ENV];
    expect(() => new HintProfileRegistry(config)).toThrow(ConfigError);
  });

  it('derives a metadata profile’s issuer from its discovery URL unless configured', () => {
    const sut = new HintProfileRegistry(
      configWith([
        { id: 'derived', kind: 'metadata', metadataUrl: 'https://id.example.com/t1/.well-known/openid-configuration', audience: 'a' },
        { id: 'explicit', kind: 'metadata', metadataUrl: 'https://id.example.com/.well-known/openid-configuration', issuer: 'https://sts.example.com/t1/', audience: 'a' },
      ]),
    );
    expect(sut.get('derived').issuer).toBe('https://id.example.com/t1');
    expect(sut.get('explicit').issuer).toBe('https://sts.example.com/t1/');
    expect(sut.ids()).toEqual(['derived', 'explicit']);
  });

  it.each([['missing'], [''], [undefined], [42], ['__proto__'], ['constructor']])('refuses the profile id %p with the unknown-profile code', (id) => {
    const sut = new HintProfileRegistry(configWith([]));
    let error: unknown;
    try {
      sut.get(id);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HintValidationError);
    expect((error as HintValidationError).code).toBe('TESSERA_HINT_UNKNOWN_PROFILE');
    expect((error as HintValidationError).description).toMatch(/no hint profiles are configured/);
  });
});
