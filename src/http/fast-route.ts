import { HttpStatus, RequestMethod, type Type } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PARAMTYPES_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
  VERSION_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { currentPrincipal } from '../auth/current-principal.decorator';
import { rateLimitName } from '../auth/rate-limiter';
import { routeAccess, type RouteAccess } from '../auth/route-access';
import type { RateLimitName } from '../common/rate-limit';

/** What one argument of a fast route's handler is filled with. */
export type FastRouteArgument = { kind: 'body'; type: unknown } | { kind: 'principal' };

/**
 * A controller route as the API fast path serves it, read from the same decorators Nest routes
 * by, so that the two paths cannot disagree about its path, status, headers, access rule, rate
 * limit or body type. See `describeFastRoute`.
 */
export interface FastRoute {
  method: 'POST' | 'PUT' | 'PATCH';
  /** The exact path, `/api/hints/validate`; routes with path parameters are not eligible. */
  path: string;
  status: number;
  /** From `@Header()`: set once the guards have passed, as Nest does. */
  headers: { name: string; value: string }[];
  access: RouteAccess;
  rateLimit: RateLimitName | undefined;
  args: FastRouteArgument[];
  controller: Type<unknown>;
  handlerName: string;
}

const METHODS: Partial<Record<RequestMethod, FastRoute['method']>> = {
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.PATCH]: 'PATCH',
};

/**
 * Reads `controller.prototype[handlerName]`'s route from its Nest metadata. Throws (at start-up)
 * when the route uses anything the fast path does not reproduce — path parameters, query or
 * header arguments, route-level guards, pipes, interceptors or filters, rendering, redirects,
 * versions, server-sent events, or a parameter decorator other than `@Body()` and
 * `@CurrentPrincipal()` — so that a later change to the controller cannot silently make the two
 * paths differ: the route must then leave the fast path, or the fast path learn the feature.
 */
export function describeFastRoute(controller: Type<unknown>, handlerName: string): FastRoute {
  const where = `${controller.name}.${handlerName}`;
  const handler = (controller.prototype as Record<string, unknown>)[handlerName];
  if (typeof handler !== 'function') throw new Error(`fast route ${where}: no such handler`);
  const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
  if (!method) throw new Error(`fast route ${where}: only POST, PUT and PATCH routes are eligible`);

  const path = joinPath(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler));
  if (path.includes(':') || path.includes('*') || path.includes('{')) throw new Error(`fast route ${where}: path ${path} has parameters`);

  for (const [key, label] of [
    [GUARDS_METADATA, 'guards'],
    [PIPES_METADATA, 'pipes'],
    [INTERCEPTORS_METADATA, 'interceptors'],
    [EXCEPTION_FILTERS_METADATA, 'exception filters'],
    [VERSION_METADATA, 'a version'],
  ] as const) {
    const own = [Reflect.getMetadata(key, handler), Reflect.getMetadata(key, controller)].filter((m) => m !== undefined && (!Array.isArray(m) || m.length > 0));
    if (own.length) throw new Error(`fast route ${where}: declares ${label}, which the fast path does not apply`);
  }
  for (const [key, label] of [
    [RENDER_METADATA, 'renders a template'],
    [REDIRECT_METADATA, 'redirects'],
    [SSE_METADATA, 'streams server-sent events'],
  ] as const) {
    if (Reflect.getMetadata(key, handler) !== undefined) throw new Error(`fast route ${where}: ${label}`);
  }

  const access = routeAccess(handler, controller);
  return {
    method,
    path,
    status: (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK),
    headers: [...((Reflect.getMetadata(HEADERS_METADATA, handler) as { name: string; value: string }[] | undefined) ?? [])],
    access,
    rateLimit: rateLimitName(handler, controller, access),
    args: describeArguments(controller, handlerName, handler, where),
    controller,
    handlerName,
  };
}

interface RouteArgMetadata {
  index: number;
  data?: unknown;
  pipes?: unknown[];
  factory?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function describeArguments(controller: Type<unknown>, handlerName: string, handler: Function, where: string): FastRouteArgument[] {
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<string, RouteArgMetadata>;
  const types = (Reflect.getMetadata(PARAMTYPES_METADATA, controller.prototype as object, handlerName) ?? []) as unknown[];
  const args: FastRouteArgument[] = [];
  for (const [key, meta] of Object.entries(declared)) {
    if (meta.pipes?.length) throw new Error(`fast route ${where}: argument ${meta.index} has its own pipes`);
    if (key === `${RouteParamtypes.BODY}:${meta.index}` && meta.data === undefined) {
      args[meta.index] = { kind: 'body', type: types[meta.index] };
    } else if (key.includes(CUSTOM_ROUTE_ARGS_METADATA) && meta.factory === currentPrincipal) {
      args[meta.index] = { kind: 'principal' };
    } else {
      throw new Error(`fast route ${where}: argument ${meta.index} is neither @Body() nor @CurrentPrincipal()`);
    }
  }
  if (args.length !== handler.length || args.some((a) => a === undefined)) {
    throw new Error(`fast route ${where}: every argument must be @Body() or @CurrentPrincipal()`);
  }
  return args;
}

function joinPath(...parts: unknown[]): string {
  const segments = parts
    .filter((p): p is string => typeof p === 'string')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '');
  return `/${segments.join('/')}`;
}
