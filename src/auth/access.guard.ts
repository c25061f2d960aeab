import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ForbiddenError, UnauthorizedError } from '../common/errors';
import { RequestAuthenticator, type AuthenticatedRequest } from './request-authenticator';
import { routeAccess } from './route-access';
import { missingScopes } from './scope-check';
import { ALL_SCOPES } from './scopes';

/** One message for unknown, revoked and malformed keys: the answer must not tell them apart. */
export const INVALID_KEY_MESSAGE = 'the API key is not valid: it is unknown, malformed or revoked';

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
    const result = await this.authenticator.authenticate(req);
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
    req.principal = result.principal;
    return true;
  }
}
