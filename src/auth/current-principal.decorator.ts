import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { UnauthorizedError } from '../common/errors';
import type { AuthenticatedRequest } from './request-authenticator';
import type { Principal } from './scopes';

/**
 * The principal the access guard accepted, for controllers that record who acted. On a public
 * route there is none, and asking for it is a programming error answered as a 401 rather than
 * an `undefined` recorded as the actor.
 */
export function currentPrincipal(_data: unknown, context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedError();
  return principal;
}

export const CurrentPrincipal = createParamDecorator(currentPrincipal);
