import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  type CryptoKey,
  type ExportedJWKSCache,
  type FetchImplementation,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type RemoteJWKSet,
} from 'jose';
import { OutboundHttpError } from '../common/outbound-http.error';
import { IssuerMetadataError } from './issuer-metadata.error';

export interface RemoteJwksOptions {
  /** How long a fetched set is used before the next fetch (jose `cacheMaxAge`). */
  cacheMaxAgeMs: number;
  /** Least time between fetches caused by unknown `kid`s (jose `cooldownDuration`), and between retries after a failure. */
  cooldownMs: number;
  /** How long past `cacheMaxAgeMs` the last good set is still used while fetching fails. */
  staleIfErrorMs: number;
  timeoutMs: number;
  fetch: FetchImplementation;
  /** Told each time the last good set is used because a fetch failed. */
  onStale?: (cause: unknown) => void;
}

/**
 * jose's remote JWKS (one per `jwks_uri`, made once), plus stale-if-error: jose drops nothing
 * but also keeps nothing usable when a refetch fails, so a brief outage at the issuer would
 * reject every hint. The last good set (which jose writes to `jwksCache`) stays usable for a
 * bounded grace, and a failed fetch is not retried before the cooldown, so an issuer that is
 * down is not hammered either.
 *
 * Times here are `Date.now()`, not the injected Clock, because jose stamps its cache with it.
 */
export class StaleTolerantJwks {
  private readonly cache = {} as ExportedJWKSCache;
  private readonly remote: RemoteJWKSet;
  private stale?: { uat: number; resolve: ReturnType<typeof createLocalJWKSet> };
  private failure?: { at: number; error: unknown };

  constructor(
    readonly url: URL,
    private readonly options: RemoteJwksOptions,
  ) {
    this.remote = createRemoteJWKSet(url, {
      cacheMaxAge: options.cacheMaxAgeMs,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
      [customFetch]: options.fetch,
      [jwksCache]: this.cache,
    });
  }

  async getKey(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    const now = Date.now();
    if (this.failure && now < this.failure.at + this.options.cooldownMs) {
      if (this.staleUsable(now)) return this.fromStale(header, token);
      throw this.failure.error;
    }
    try {
      const key = await this.remote(header, token);
      this.failure = undefined;
      return key;
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      this.failure = { at: now, error };
      if (!this.staleUsable(now)) throw error;
      this.options.onStale?.(error);
      return this.fromStale(header, token);
    }
  }

  private staleUsable(now: number): boolean {
    const { uat, jwks } = this.cache;
    return jwks !== undefined && typeof uat === 'number' && now < uat + this.options.cacheMaxAgeMs + this.options.staleIfErrorMs;
  }

  private fromStale(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    if (!this.stale || this.stale.uat !== this.cache.uat) {
      this.stale = { uat: this.cache.uat, resolve: createLocalJWKSet(this.cache.jwks) };
    }
    return this.stale.resolve(header, token);
  }
}

/** A failure to obtain the set (as opposed to a set that has no key for this token). */
export function isFetchFailure(error: unknown): boolean {
  return (
    error instanceof IssuerMetadataError ||
    error instanceof OutboundHttpError ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    // jose's plain JOSEError: "Expected 200 OK" / "Failed to parse the JSON Web Key Set"
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  );
}
