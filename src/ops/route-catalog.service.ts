import { Injectable, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { routeAccess, type RouteAccess } from '../auth/route-access';

/** One controller route as Nest registers it with Express. */
export interface CatalogRoute {
  /** `GET`, `POST`, … or `ALL` */
  method: string;
  /** the Express path template, e.g. `/api/api-keys/:id/revoke` */
  path: string;
  controller: Type<unknown>;
  handlerName: string;
  access: RouteAccess;
}

/**
 * Every controller route of the application, read from Nest's route metadata. Metrics use it to
 * tell route templates from catch-all middleware mounts; the admin access test walks it.
 * Paths are joined as Nest's RoutePathFactory joins them (global prefix, controller path, method
 * path). URI versioning and RouterModule prefixes, which Tessera does not use, are not applied.
 */
@Injectable()
export class RouteCatalog {
  private cached?: CatalogRoute[];
  private templates?: ReadonlySet<string>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly applicationConfig: ApplicationConfig,
  ) {}

  routes(): CatalogRoute[] {
    this.cached ??= this.collect();
    return this.cached;
  }

  /** Whether `path` is the template of a controller route (not a middleware mount). */
  isRouteTemplate(path: string): boolean {
    this.templates ??= new Set(this.routes().map((r) => r.path));
    return this.templates.has(path);
  }

  private collect(): CatalogRoute[] {
    const prefix = this.applicationConfig.getGlobalPrefix();
    const routes: CatalogRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || !wrapper.instance) continue;
      const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      for (const handlerName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[handlerName] as (...args: unknown[]) => unknown;
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (methodPath === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? 'GET';
        const access = routeAccess(handler, controller);
        for (const c of controllerPaths) {
          for (const m of asList(methodPath)) {
            routes.push({ method, path: joinPath(prefix, c, m), controller, handlerName, access });
          }
        }
      }
    }
    return routes;
  }
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [''];
  return Array.isArray(value) ? value : [value];
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}
