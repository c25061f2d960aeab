import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { TesseraConfig } from '../config/config.schema';
import { RateLimiter, rateLimitName } from './rate-limiter';
import { RequestAuthenticator } from './request-authenticator';
import { routeAccess } from './route-access';

export { RateLimitedError } from './rate-limiter';

/**
 * The global guard in front of `RateLimiter`: it counts each request against the budget its route
 * names (see `rateLimitName`). Runs before the access guard: a flood of bad keys gets 429s, not
 * lookups.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(config: TesseraConfig, authenticator: RequestAuthenticator, @Inject(ThrottlerStorage) counters: ThrottlerStorage) {
    this.limiter = new RateLimiter(config, authenticator, counters);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter.enabled || context.getType() !== 'http') return true;
    const handler = context.getHandler();
    const controller = context.getClass();
    const access = routeAccess(handler, controller);
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    // `req.ip` honours the `trustProxy` setting (Express `trust proxy`).
    await this.limiter.enforce(req, http.getResponse<Response>(), rateLimitName(handler, controller, access), access, () => req.ip ?? req.socket.remoteAddress ?? 'unknown');
    return true;
  }
}
