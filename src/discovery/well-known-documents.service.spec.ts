import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import type { JsonWebKeySet, KeyStoreService } from '../keys/key-store.service';
import type { PublishedJwk } from '../keys/signing-material';
import { WellKnownDocumentsService } from './well-known-documents.service';

const jwk = (kid: string) => ({ kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: 'AQAB', e: 'AQAB', x5c: [], x5t: 'x', 'x5t#S256': 'y' }) as PublishedJwk;

/** The key store hands out a key set; what matters here is when it is a different object. */
class KeySets {
  current: JsonWebKeySet = { keys: [jwk('a')] };
  async publishedJwks(): Promise<JsonWebKeySet> {
    return this.current;
  }
}

describe('WellKnownDocumentsService', () => {
  const { config } = loadConfig({
    env: { PUBLIC_URL: 'https://tessera.example.com/base/', ISSUER: 'https://login.example.com/tenant/v2.0/', LOG_LEVEL: 'silent' },
    overrides: { discovery: { maxAgeSeconds: 120 } },
    cwd: mkdtempSync(join(tmpdir(), 'tessera-discovery-')),
  });
  const keys = new KeySets();
  const sut = new WellKnownDocumentsService(config, keys as unknown as KeyStoreService);

  it('publishes the configured issuer byte for byte and an absolute jwks_uri, and no endpoint that does not exist', () => {
    const document = JSON.parse(sut.openidConfiguration().body.toString('utf8'));
    expect(document).toEqual({
      issuer: 'https://login.example.com/tenant/v2.0/',
      jwks_uri: 'https://tessera.example.com/base/.well-known/keys',
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
    });
    expect(sut.forPath('/.well-known/openid-configuration')).toBe(sut.openidConfiguration());
    expect(sut.forPath('/.well-known/other')).toBeUndefined();
  });

  it('prepares the JWKS once per key set, and keeps the ETag when a re-read finds the same keys', async () => {
    const first = await sut.jwks();
    expect(JSON.parse(first.body.toString('utf8'))).toEqual({ keys: [jwk('a')] });
    expect(await sut.jwks()).toBe(first);

    keys.current = { keys: [jwk('a')] }; // re-read, same content
    expect((await sut.jwks()).etag).toBe(first.etag);

    keys.current = { keys: [jwk('b'), jwk('a')] };
    const changed = await sut.jwks();
    expect(changed.etag).not.toBe(first.etag);
    expect(await sut.forPath('/.well-known/jwks')).toBe(changed);
    expect(await sut.forPath('/.well-known/keys')).toBe(changed);
  });
});
