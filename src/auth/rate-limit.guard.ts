import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { TooManyRequestsError } from '../common/errors';
import { RATE_LIMIT_METADATA, type RateLimitName } from '../common/rate-limit';
import { TesseraConfig } from '../config/config.schema';
import type { RateLimitRule } from './rate-limit.config';
import { RequestAuthenticator } from './request-authenticator';
import { routeAccess } from './route-access';

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
 * Counts each request against at most one named budget (see `common/rate-limit.ts`): the one a
 * route names with `@RateLimit`, else `admin` for every route that is not public, else none.
 * Admin traffic is counted per API key, so one busy integration does not starve the others
 * behind the same NAT; requests without a valid key are counted per client IP, which also caps
 * key guessing. Runs before the access guard: a flood of bad keys gets 429s, not lookups.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly config: TesseraConfig,
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    // The in-memory counters of @nestjs/throttler: a sliding window that blocks once exceeded.
    @Inject(ThrottlerStorage) private readonly counters: ThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const settings = this.config.rateLimits;
    if (!settings.enabled || context.getType() !== 'http') return true;
    const handler = context.getHandler();
    const controller = context.getClass();
    const access = routeAccess(handler, controller);
    const name =
      this.reflector.getAllAndOverride<RateLimitName | undefined>(RATE_LIMIT_METADATA, [handler, controller]) ??
      (access.kind === 'public' ? undefined : 'admin');
    if (!name) return true;

    const rule: RateLimitRule = settings[name];
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const tracker = await this.tracker(req, access.kind !== 'public');
    const windowMs = rule.windowSeconds * 1000;
    const hit = await this.counters.increment(`${name}:${tracker}`, windowMs, rule.limit, windowMs, name);

    res.setHeader('X-RateLimit-Limit', rule.limit);
    res.setHeader('X-RateLimit-Remaining', Math.max(0, rule.limit - hit.totalHits));
    res.setHeader('X-RateLimit-Reset', Math.max(0, hit.timeToExpire));
    if (hit.isBlocked) throw new RateLimitedError(name, Math.max(1, hit.timeToBlockExpire));
    return true;
  }

  private async tracker(req: Request, mayCarryKey: boolean): Promise<string> {
    if (mayCarryKey) {
      const result = await this.authenticator.authenticate(req);
      if (result.outcome === 'accepted') return `key:${result.principal.keyId}`;
    }
    // `req.ip` honours the `trustProxy` setting (Express `trust proxy`); IPv6 clients are grouped
    // by /64, since one host commonly holds a whole /64.
    return `ip:${normalizeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
  }
}
