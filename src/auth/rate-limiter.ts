import { normalizeIp, type ThrottlerStorage } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import { TooManyRequestsError } from '../common/errors';
import { RATE_LIMIT_METADATA, type RateLimitName } from '../common/rate-limit';
import type { TesseraConfig } from '../config/config.schema';
import type { RateLimitRule } from './rate-limit.config';
import type { RequestAuthenticator } from './request-authenticator';
import type { RouteAccess } from './route-access';

/** 429 with `Retry-After` (RFC 9110 §10.2.3, RFC 6585 §4): when the client may try again. */
export class RateLimitedError extends TooManyRequestsError {
  constructor(
    readonly limitName: RateLimitName,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many requests: the "${limitName}" rate limit is exhausted; retry in ${retryAfterSeconds} s`);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/**
 * The budget a route counts against: the one it names with `@RateLimit` (the handler's own
 * decorator first, then its controller's), else `admin` for every route that is not public,
 * else none.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function rateLimitName(handler: Function, controller: Function, access: RouteAccess): RateLimitName | undefined {
  const named = (Reflect.getMetadata(RATE_LIMIT_METADATA, handler) ?? Reflect.getMetadata(RATE_LIMIT_METADATA, controller)) as RateLimitName | undefined;
  return named ?? (access.kind === 'public' ? undefined : 'admin');
}

/** Where the limiter writes its `X-RateLimit-*` headers: an Express or a bare node response. */
export interface HeaderSink {
  setHeader(name: string, value: string | number): unknown;
}

/**
 * Counts each request against at most one named budget (see `common/rate-limit.ts`). Admin
 * traffic is counted per API key, so one busy integration does not starve the others behind the
 * same NAT; requests without a valid key are counted per client IP, which also caps key
 * guessing. Used by the global guard and by the API fast path (src/http), over the same
 * counters, so both paths draw on one budget.
 */
export class RateLimiter {
  constructor(
    private readonly config: TesseraConfig,
    private readonly authenticator: RequestAuthenticator,
    // The in-memory counters of @nestjs/throttler: a sliding window that blocks once exceeded.
    private readonly counters: ThrottlerStorage,
  ) {}

  get enabled(): boolean {
    return this.config.rateLimits.enabled;
  }

  /**
   * Counts the request, sets the `X-RateLimit-*` headers, and throws `RateLimitedError` once
   * the budget is exhausted. `clientIp` is asked only when no valid key identifies the caller;
   * it must honour the `trustProxy` setting (Express's `req.ip` does).
   */
  async enforce(req: IncomingMessage, res: HeaderSink, name: RateLimitName | undefined, access: RouteAccess, clientIp: () => string): Promise<void> {
    if (!this.config.rateLimits.enabled || !name) return;
    const rule: RateLimitRule = this.config.rateLimits[name];
    const tracker = await this.tracker(req, access.kind !== 'public', clientIp);
    const windowMs = rule.windowSeconds * 1000;
    const hit = await this.counters.increment(`${name}:${tracker}`, windowMs, rule.limit, windowMs, name);

    res.setHeader('X-RateLimit-Limit', rule.limit);
    res.setHeader('X-RateLimit-Remaining', Math.max(0, rule.limit - hit.totalHits));
    res.setHeader('X-RateLimit-Reset', Math.max(0, hit.timeToExpire));
    if (hit.isBlocked) throw new RateLimitedError(name, Math.max(1, hit.timeToBlockExpire));
  }

  private async tracker(req: IncomingMessage, mayCarryKey: boolean, clientIp: () => string): Promise<string> {
    if (mayCarryKey) {
      const result = await this.authenticator.authenticate(req);
      if (result.outcome === 'accepted') return `key:${result.principal.keyId}`;
    }
    // IPv6 clients are grouped by /64, since one host commonly holds a whole /64.
    return `ip:${normalizeIp(clientIp())}`;
  }
}
