import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../common/errors';
import { RequestAuthenticator, type AuthenticatedRequest } from './request-authenticator';
import { routeAccess, type RouteAccess } from './route-access';
import { missingScopes } from './scope-check';
import { ALL_SCOPES, type Principal } from './scopes';

/** One message for unknown, revoked and malformed keys: the answer must not tell them apart. */
export const INVALID_KEY_MESSAGE = 'the API key is not valid: it is unknown, malformed or revoked';

/**
 * What a route's access rule makes of a request: `undefined` on a public route, else the
 * principal of a valid bearer key holding every required scope. Throws the 401 (no key, or one
 * that is not valid) or the 403 naming the missing scopes. The one implementation of the rule,
 * for the global guard and the API fast path (src/http) alike.
 */
export async function authorizeRequest(authenticator: RequestAuthenticator, req: IncomingMessage, access: RouteAccess): Promise<Principal | undefined> {
  if (access.kind === 'public') return undefined;
  const result = await authenticator.authenticate(req);
  if (result.outcome === 'absent') throw new UnauthorizedError();
  if (result.outcome === 'rejected') throw new UnauthorizedError(INVALID_KEY_MESSAGE);

  const missing = missingScopes(result.principal.scopes, access.kind === 'scopes' ? access.scopes : [ALL_SCOPES]);
  if (missing.length) {
    const description =
      access.kind === 'scopes'
        ? `this API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`
        : 'this route declares no scope, so only a key with every scope (*) may call it';
    throw new ForbiddenError(description, missing);
  }
  return result.principal;
}

/**
 * The global guard behind `@Public()` / `@RequireScopes()` (see scopes.ts). Every route that is
 * not public needs a valid bearer key (401 otherwise) holding every required scope (403 naming
 * the missing ones otherwise); a route that says nothing admits only a `*` key.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly authenticator: RequestAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccess(context.getHandler(), context.getClass());
    if (access.kind === 'public') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    req.principal = await authorizeRequest(this.authenticator, req, access);
    return true;
  }
}
