import { Injectable, Logger } from '@nestjs/common';
import type { CryptoKey, FetchImplementation, FlattenedJWSInput, JWSHeaderParameters } from 'jose';
import { Clock } from '../common/clock';
import { OutboundHttpError } from '../common/outbound-http.error';
import type { OutboundRequest } from '../common/outbound-http.service';
import { OutboundHttp } from '../common/outbound-http.service';
import type { MetadataHintProfile } from './hint-profile.registry';
import type { MetadataHintProfileConfig } from './hint-profiles.config';
import { IssuerMetadataError } from './issuer-metadata.error';
import { StaleTolerantJwks } from './remote-jwks';

export interface IssuerDiscovery {
  issuer: string;
  jwksUri: string;
}

interface DiscoveryEntry {
  doc?: IssuerDiscovery;
  fetchedAt: number;
  failure?: { at: number; error: unknown };
  pending?: Promise<IssuerDiscovery>;
}

/**
 * Remote issuer metadata for `metadata` profiles: the discovery document (cached for
 * `metadataCacheSeconds`, hours by default) and one jose remote JWKS per `jwks_uri`. Every fetch
 * goes through `OutboundHttp` with the profile's rules (HTTPS, SSRF allow-list, deadline, size
 * cap, same-origin redirects only). Fetches happen only for a token that has already passed the
 * shape, `crit` and `alg` checks.
 */
@Injectable()
export class IssuerMetadataService {
  private readonly logger = new Logger('IssuerMetadata');
  private readonly discovery = new Map<string, DiscoveryEntry>();
  private readonly jwks = new Map<string, StaleTolerantJwks>();
  private readonly jwksByProfile = new WeakMap<MetadataHintProfileConfig, { jwksUri: string; set: StaleTolerantJwks }>();

  constructor(
    private readonly http: OutboundHttp,
    private readonly clock: Clock,
  ) {}

  /** The key the issuer publishes for this token's header (`kid`, `alg`). */
  async getKey(profile: MetadataHintProfile, header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    const doc = await this.getDiscovery(profile);
    return this.jwksFor(profile.config, doc.jwksUri).getKey(header, token);
  }

  async getDiscovery(profile: MetadataHintProfile): Promise<IssuerDiscovery> {
    const c = profile.config;
    let entry = this.discovery.get(profile.id);
    if (!entry) {
      entry = { fetchedAt: -Infinity };
      this.discovery.set(profile.id, entry);
    }
    const now = this.clock.now().getTime();
    if (entry.doc && now < entry.fetchedAt + c.metadataCacheSeconds * 1000) return entry.doc;
    // After a failure, wait out the cooldown before asking the issuer again.
    if (entry.failure && now < entry.failure.at + c.jwksCooldownSeconds * 1000) {
      if (this.staleUsable(entry, c, now)) return entry.doc as IssuerDiscovery;
      throw entry.failure.error;
    }
    // One fetch at a time per profile, however many validations are waiting for it.
    const current = entry;
    current.pending ??= this.refresh(profile, current).finally(() => (current.pending = undefined));
    return current.pending;
  }

  private async refresh(profile: MetadataHintProfile, entry: DiscoveryEntry): Promise<IssuerDiscovery> {
    const c = profile.config;
    try {
      const doc = await this.fetchDiscovery(profile);
      entry.doc = doc;
      entry.fetchedAt = this.clock.now().getTime();
      entry.failure = undefined;
      return doc;
    } catch (error) {
      const now = this.clock.now().getTime();
      entry.failure = { at: now, error };
      this.logger.warn(`hint profile ${profile.id}: ${(error as Error).message}`);
      // An issuer that now names itself differently is not "briefly down": no stale copy for that.
      if (error instanceof IssuerMetadataError && error.kind === 'issuer_mismatch') {
        entry.doc = undefined;
        throw error;
      }
      if (this.staleUsable(entry, c, now)) {
        this.logger.warn(`hint profile ${profile.id}: using the discovery document fetched ${new Date(entry.fetchedAt).toISOString()} until the issuer answers again`);
        return entry.doc as IssuerDiscovery;
      }
      throw error;
    }
  }

  private staleUsable(entry: DiscoveryEntry, c: MetadataHintProfileConfig, now: number): boolean {
    return entry.doc !== undefined && now < entry.fetchedAt + (c.metadataCacheSeconds + c.staleIfErrorSeconds) * 1000;
  }

  private async fetchDiscovery(profile: MetadataHintProfile): Promise<IssuerDiscovery> {
    const c = profile.config;
    const body = await this.fetchJson(c.metadataUrl, "the issuer's metadata", c);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new IssuerMetadataError('unavailable', `the issuer's metadata at ${c.metadataUrl} is not a JSON object`);
    }
    const { issuer, jwks_uri: jwksUri } = body as Record<string, unknown>;
    if (typeof issuer !== 'string') throw new IssuerMetadataError('unavailable', `the issuer's metadata at ${c.metadataUrl} has no "issuer"`);
    // OpenID Connect Discovery §4.3: the issuer in the document must be exactly the one expected.
    if (issuer !== profile.issuer) {
      throw new IssuerMetadataError(
        'issuer_mismatch',
        `the discovery document at ${c.metadataUrl} names the issuer ${JSON.stringify(issuer.slice(0, 200))}, but this profile trusts ${JSON.stringify(profile.issuer)}`,
      );
    }
    if (typeof jwksUri !== 'string' || !isAbsoluteUrl(jwksUri)) {
      throw new IssuerMetadataError('unavailable', `the issuer's metadata at ${c.metadataUrl} has no absolute "jwks_uri"`);
    }
    return { issuer, jwksUri };
  }

  private jwksFor(c: MetadataHintProfileConfig, jwksUri: string): StaleTolerantJwks {
    // The per-profile memo spares the fingerprint on every validation.
    const memo = this.jwksByProfile.get(c);
    if (memo?.jwksUri === jwksUri) return memo.set;
    // One remote set per jwks_uri (and fetch rules), made once and shared by every validation.
    const key = `${jwksUri}\n${policyFingerprint(c)}`;
    let set = this.jwks.get(key);
    if (!set) {
      set = new StaleTolerantJwks(new URL(jwksUri), {
        cacheMaxAgeMs: c.jwksCacheSeconds * 1000,
        cooldownMs: c.jwksCooldownSeconds * 1000,
        staleIfErrorMs: c.staleIfErrorSeconds * 1000,
        timeoutMs: c.timeoutMs,
        fetch: this.jwksFetcher(c),
        onStale: (cause) => this.logger.warn(`JWKS ${jwksUri}: using the last good key set; ${(cause as Error).message}`),
      });
      this.jwks.set(key, set);
    }
    this.jwksByProfile.set(c, { jwksUri, set });
    return set;
  }

  /** jose's `customFetch`: the same guarded client, and a clear error instead of "Expected 200 OK". */
  private jwksFetcher(c: MetadataHintProfileConfig): FetchImplementation {
    return async (url, init) => {
      const body = await this.fetchJson(url, "the issuer's key set (JWKS)", c, init.signal, Object.fromEntries(init.headers.entries()));
      const keys = (body as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(keys)) throw new IssuerMetadataError('unavailable', `the issuer's key set at ${url} is not a JWK Set ({"keys": [ … ]})`);
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
  }

  private async fetchJson(url: string, what: string, c: MetadataHintProfileConfig, signal?: AbortSignal, headers?: Record<string, string>): Promise<unknown> {
    const request: OutboundRequest = {
      allowHttp: c.allowHttp,
      allowPrivateNetworks: c.allowPrivateNetworks,
      allowedCidrs: c.allowedCidrs,
      timeoutMs: c.timeoutMs,
      maxResponseBytes: c.maxResponseBytes,
      redirect: 'same-origin',
      headers: { accept: 'application/json', ...headers },
      signal,
    };
    let response;
    try {
      response = await this.http.fetch(url, request);
    } catch (e) {
      const reason = e instanceof OutboundHttpError ? e.message : 'the request failed';
      throw new IssuerMetadataError('unavailable', `${what} could not be fetched: ${reason}`, { cause: e });
    }
    if (response.status !== 200) {
      throw new IssuerMetadataError('unavailable', `${what} could not be fetched: ${url} answered HTTP ${response.status}`);
    }
    try {
      return response.json();
    } catch (cause) {
      throw new IssuerMetadataError('unavailable', `${what} at ${url} is not valid JSON`, { cause });
    }
  }
}

function policyFingerprint(c: MetadataHintProfileConfig): string {
  return JSON.stringify([c.allowHttp, c.allowPrivateNetworks, c.allowedCidrs, c.timeoutMs, c.maxResponseBytes, c.jwksCacheSeconds, c.jwksCooldownSeconds, c.staleIfErrorSeconds]);
}

function isAbsoluteUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
