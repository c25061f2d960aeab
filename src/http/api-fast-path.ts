import { Logger, type INestApplication, type PipeTransform, type Type } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { RequestHandler } from 'express';
import { PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import proxyaddr from 'proxy-addr';
import typeis from 'type-is';
import { authorizeRequest } from '../auth/access.guard';
import { RateLimiter } from '../auth/rate-limiter';
import { RequestAuthenticator } from '../auth/request-authenticator';
import type { Principal } from '../auth/scopes';
import { UnauthorizedError } from '../common/errors';
import { errorHeaders, logUnexpected, toTesseraError } from '../common/http-exception.filter';
import { TesseraConfig } from '../config/config.schema';
import { stripQuery } from '../logging';
import { MetricsService } from '../ops/metrics.service';
import { describeFastRoute, type FastRoute } from './fast-route';
import { sendJson } from './json-response';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ApiFastPathOptions {
  /** `[controller, handler name]` of each route to serve; see `describeFastRoute` for what is eligible. */
  routes: [Type<unknown>, string][];
  /** The JSON body parser the Express path mounts, so both parse (and refuse) bodies alike. */
  jsonParser: RequestHandler;
  /** The global validation pipe, applied to `@Body()` arguments as Nest applies it. */
  validationPipe: PipeTransform;
}

/**
 * Serves a few hot JSON API routes ahead of Express and Nest, for the calls backends make at
 * volume (hint validation, invitation creation): on this hardware the Express/Nest pipeline costs
 * several times what the validator itself does per request. Each request goes through the same
 * steps, in the same order, with the same components as on the Express path: counted in the
 * HTTP metrics and logged by pino-http with the same options, body parsed by the same parser,
 * counted by the same rate limiter and counters, authorised by the same access rule
 * (`authorizeRequest`), the body validated by the same global pipe, the same controller method
 * called, and the answer (or error, through the same `toTesseraError`/`errorHeaders`) written
 * byte for byte as Express would write it. The route's path, status, headers, access rule, rate
 * limit and arguments are read from the controller's decorators (`describeFastRoute`), which
 * refuses at start-up anything it would not reproduce.
 *
 * A request goes on to Express unchanged unless its method and path (before any query) are
 * exactly a fast route's and it carries a body typed `application/json`; Express's routing is
 * also case-insensitive and accepts a trailing slash, and those spellings simply take the
 * Express path. Returns a function that removes the fast path again.
 */
export function installApiFastPath(app: INestApplication, options: ApiFastPathOptions): () => void {
  const server = app.getHttpServer() as Server;
  const config = app.get(TesseraConfig);
  const authenticator = app.get(RequestAuthenticator);
  const limiter = new RateLimiter(config, authenticator, app.get<ThrottlerStorage>(ThrottlerStorage));
  const metrics = app.get(MetricsService);
  const logParams = app.get<Params>(PARAMS_PROVIDER_TOKEN);
  const httpLogger = pinoHttp(...((Array.isArray(logParams.pinoHttp) ? logParams.pinoHttp : [logParams.pinoHttp ?? {}]) as [object]));
  const errorLogger = new Logger('HttpExceptionFilter');
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  const clientIp = (req: IncomingMessage) => proxyaddr(req, express.get('trust proxy fn') as (addr: string, i: number) => boolean);

  const routes = new Map<string, { route: FastRoute; instance: Record<string, (...args: unknown[]) => unknown> }>();
  for (const [controller, handlerName] of options.routes) {
    const route = describeFastRoute(controller, handlerName);
    routes.set(`${route.method} ${route.path}`, { route, instance: app.get(controller) as Record<string, (...args: unknown[]) => unknown> });
  }

  const downstream = server.listeners('request') as RequestListener[];
  const next = (req: IncomingMessage, res: ServerResponse) => {
    for (const listener of downstream) listener.call(server, req, res);
  };

  const parseBody = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) =>
      options.jsonParser(req as never, res as never, (err?: unknown) => (err ? reject(err) : resolve((req as { body?: unknown }).body))),
    );

  async function handle(target: FastRoute, instance: Record<string, (...args: unknown[]) => unknown>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await parseBody(req, res);
    await limiter.enforce(req, res, target.rateLimit, target.access, () => clientIp(req));
    const principal: Principal | undefined = await authorizeRequest(authenticator, req, target.access);
    res.statusCode = target.status;
    for (const { name, value } of target.headers) res.setHeader(name, value);
    const args = await Promise.all(
      target.args.map((arg) => {
        if (arg.kind === 'body') return options.validationPipe.transform(body, { type: 'body', metatype: arg.type as Type<unknown>, data: undefined });
        if (!principal) throw new UnauthorizedError();
        return principal;
      }),
    );
    const result = await instance[target.handlerName](...args);
    if (result === undefined || result === null) {
      res.end();
    } else if (typeof result === 'object') {
      sendJson(req, res, target.status, result);
    } else {
      throw new TypeError(`fast route ${target.controller.name}.${target.handlerName} returned a ${typeof result}, not an object`);
    }
  }

  function fail(req: IncomingMessage, res: ServerResponse, exception: unknown): void {
    const error = toTesseraError(exception);
    if (error.status >= 500) logUnexpected(errorLogger, exception, stripQuery(req.url));
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(errorHeaders(error))) res.setHeader(name, value);
    sendJson(req, res, error.status, error.body());
  }

  const fastPath: RequestListener = (req, res) => {
    const entry = routes.get(`${req.method} ${stripQuery(req.url)}`);
    // The same test body-parser applies before it parses anything: other bodies take the Express
    // path, which parses (or refuses) them as it always has.
    if (!entry || !typeis.hasBody(req) || !typeis(req, ['application/json'])) return next(req, res);
    const { route, instance } = entry;
    const stopTimer = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const labels = { method: route.method, route: route.path, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      stopTimer(labels);
    });
    httpLogger(req, res);
    const log = (req as IncomingMessage & { log: Store['logger'] }).log;
    // As nestjs-pino's middleware does: log lines written while serving carry the request's id.
    storage.run(new Store(log), () => {
      handle(route, instance, req, res).catch((e: unknown) => fail(req, res, e));
    });
  };

  server.removeAllListeners('request');
  server.on('request', fastPath);
  return () => {
    server.removeListener('request', fastPath);
    for (const listener of downstream) server.on('request', listener);
  };
}
