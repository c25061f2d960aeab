import type { Type } from '@nestjs/common';
import { PUBLIC_METADATA, SCOPES_METADATA } from './scopes';

/**
 * What a route demands, read from `@Public()` / `@RequireScopes()`:
 *  - `public`: anyone;
 *  - `scopes`: a key holding every listed scope;
 *  - `unmarked`: the route says nothing (or lists no scope), so only a `*` key passes (fail
 *    closed: a forgotten decorator locks a route rather than opening it).
 * The handler's own decorator wins over its controller's, so one method of a protected
 * controller can be public and the other way round.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'scopes'; scopes: string[] } | { kind: 'unmarked' };

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function routeAccess(handler: Function, controller: Type<unknown> | Function): RouteAccess {
  return forTarget(handler) ?? forTarget(controller) ?? { kind: 'unmarked' };
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function forTarget(target: Function): RouteAccess | undefined {
  const scopes = Reflect.getMetadata(SCOPES_METADATA, target) as string[] | undefined;
  // Scopes before public: a target marked both ways is protected.
  if (scopes !== undefined) return scopes.length ? { kind: 'scopes', scopes: [...scopes] } : { kind: 'unmarked' };
  if (Reflect.getMetadata(PUBLIC_METADATA, target) === true) return { kind: 'public' };
  return undefined;
}
