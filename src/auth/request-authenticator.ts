import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from './api-key-format';
import { ApiKeysService } from './api-keys.service';
import type { Principal } from './scopes';

/** The admin request as the guards leave it: `principal` is set once the key is accepted. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** What the bearer credentials of one request came to. */
export type Authentication =
  | { outcome: 'absent' }
  | { outcome: 'rejected' }
  | { outcome: 'accepted'; principal: Principal };

const RESULT = Symbol('tessera.authentication');

type WithResult = IncomingMessage & { [RESULT]?: Promise<Authentication> };

/**
 * Authenticates a request's bearer key once, however many guards ask (the rate limiter keys
 * its buckets by principal before the access guard decides), so a key costs one lookup.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(private readonly apiKeys: ApiKeysService) {}

  // Only the headers are read: the API fast path (src/http) passes a bare node request.
  authenticate(req: IncomingMessage): Promise<Authentication> {
    const r = req as WithResult;
    r[RESULT] ??= this.run(req);
    return r[RESULT];
  }

  private async run(req: IncomingMessage): Promise<Authentication> {
    const header = req.headers.authorization;
    if (header === undefined || header === '') return { outcome: 'absent' };
    const token = bearerToken(header);
    if (!token) return { outcome: 'rejected' };
    const principal = await this.apiKeys.authenticate(token);
    return principal ? { outcome: 'accepted', principal } : { outcome: 'rejected' };
  }
}
