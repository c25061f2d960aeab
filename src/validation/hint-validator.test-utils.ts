import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../common/clock';
import { OutboundHttp, type DnsLookup } from '../common/outbound-http.service';
import { json, startLoopbackServer, type LoopbackServer } from '../common/outbound-http.test-utils';
import { loadConfig } from '../config/config.loader';
import { HintProfileRegistry } from './hint-profile.registry';
import { HintValidationError } from './hint-validation.error';
import { HintValidatorService } from './hint-validator.service';
import { IssuerMetadataService } from './issuer-metadata.service';

export interface TestKey {
  kid: string;
  alg: 'RS256' | 'PS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testKey(kid: string, alg: TestKey['alg'] = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * Signs any header and payload bytes as given: claims in milliseconds, missing `exp`, odd
 * headers. (jose's SignJWT would tidy some of that up; attacks need it untidy.)
 */
export async function signRaw(key: CryptoKey | Uint8Array, header: Record<string, unknown>, payload: unknown): Promise<string> {
  const bytes = payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader(header as { alg: string }).sign(key);
}

export function claimsAt(now: number, issuer: string, audience: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: issuer, aud: audience, iat: now - 5, nbf: now - 5, exp: now + 600, jti: 'jti-1', ...extra };
}

/** The validator wired from configuration exactly as the module wires it, minus Nest. */
export function buildValidator(hintProfiles: unknown[], clock: Clock, dns?: DnsLookup) {
  const { config } = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'tessera-hints-')), overrides: { hintProfiles } });
  const registry = new HintProfileRegistry(config);
  const metadata = new IssuerMetadataService(new OutboundHttp(dns), clock);
  return { sut: new HintValidatorService(registry, metadata, clock), registry, metadata };
}

/** Runs validation and returns the rejection, failing the test if there was none or another kind of error. */
export async function rejection(promise: Promise<unknown>): Promise<HintValidationError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof HintValidationError) return e;
    throw new Error(`expected a HintValidationError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('expected the token to be rejected');
}

export interface TestIssuer {
  server: LoopbackServer;
  /** what discovery says `issuer` is; defaults to the server's URL */
  issuer: string;
  metadataUrl: string;
  /** published keys; change it to rotate */
  keys: JWK[];
  discoveryFetches(): number;
  jwksFetches(): number;
  close(): Promise<void>;
}

/** A real issuer on loopback: discovery at the well-known path, JWKS at /keys. */
export async function startIssuer(keys: JWK[]): Promise<TestIssuer> {
  const server = await startLoopbackServer();
  const issuer: TestIssuer = {
    server,
    issuer: server.url,
    metadataUrl: `${server.url}/.well-known/openid-configuration`,
    keys,
    discoveryFetches: () => server.requests.filter((r) => r.startsWith('GET /.well-known/openid-configuration')).length,
    jwksFetches: () => server.requests.filter((r) => r.startsWith('GET /keys')).length,
    close: () => server.close(),
  };
  server.route('GET /.well-known/openid-configuration', (req, res) =>
    json({ issuer: issuer.issuer, jwks_uri: `${server.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] })(req, res),
  );
  server.route('GET /keys', (req, res) => json({ keys: issuer.keys })(req, res));
  return issuer;
}
