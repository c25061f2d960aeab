import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MetricsService } from './metrics.service';
import type { RouteCatalog } from './route-catalog.service';

/** The `route` label of requests no route matched (404s, bodies refused before routing). */
export const UNMATCHED_ROUTE = '<unmatched>';

/**
 * Counts and times every response. Plain Express middleware mounted first (see bootstrap.ts),
 * not a Nest interceptor: guards run before interceptors and body parsers before both, so
 * 401/403/429 and 400/413 answers would otherwise go uncounted.
 */
export function httpMetricsMiddleware(metrics: MetricsService, catalog: RouteCatalog): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stopTimer = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      // Express leaves in req.route the last route it entered: the controller route (whose path
      // is the template, `/api/x/:id`) or, when none matched, a catch-all middleware mount.
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const template = typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
      const labels = {
        method: req.method,
        route: template !== undefined && catalog.isRouteTemplate(template) ? template : UNMATCHED_ROUTE,
        status: String(res.statusCode),
      };
      metrics.httpRequests.inc(labels);
      stopTimer(labels);
    });
    next();
  };
}
