import { INestApplication, Logger as NestLogger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, text, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { HttpExceptionFilter, translateBodyParserError } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation';
import { installWellKnownFastPath } from './discovery/well-known-fast-path';
import { installApiFastPath } from './http/api-fast-path';
import { exceptStreamedBodies } from './invitations/bulk/streamed-body';
import { InvitationsController } from './invitations/invitations.controller';
import type { LoadedConfig } from './config/config.loader';
import { httpMetricsMiddleware } from './ops/http-metrics.middleware';
import { MetricsService } from './ops/metrics.service';
import { RouteCatalog } from './ops/route-catalog.service';
import { setupOpenApi } from './ops/openapi';
import { HintsController } from './validation/hints.controller';

export interface CreateAppOptions {
  /** Buffer Nest's own logs until the pino logger is ready (off in tests to keep them quiet). */
  quiet?: boolean;
  /**
   * Serve the hot JSON API routes ahead of Express (default true; see src/http/api-fast-path.ts).
   * Off only in the tests that hold both paths to the same answers.
   */
  apiFastPath?: boolean;
}

/** The routes the API fast path serves: the calls backends make at volume. */
export const API_FAST_ROUTES: [Type<unknown>, string][] = [
  [HintsController, 'validate'],
  [InvitationsController, 'create'],
];

/** Builds the HTTP application; `main.ts` listens, tests call this with their own config. */
export async function createApp(loaded: LoadedConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const { config } = loaded;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  if (options.quiet) app.useLogger(false);
  configureApp(app, loaded, options);
  await app.init();
  return app;
}

export function configureApp(app: NestExpressApplication, loaded: LoadedConfig, options: CreateAppOptions = {}): void {
  const { config } = loaded;
  app.disable('x-powered-by');
  // Which X-Forwarded-For hop `req.ip` believes; rate limits count clients by it.
  app.set('trust proxy', config.trustProxy);
  // First, so that every answer is counted, including those of the body parsers below.
  app.use(httpMetricsMiddleware(app.get(MetricsService), app.get(RouteCatalog)));
  // Body limits apply before any controller runs; a larger body is a 413, not a crash. Parser
  // errors are translated here, since Nest would otherwise pass only their message along.
  const jsonParser = json({ limit: config.bodyLimit });
  app.use(
    exceptStreamedBodies(jsonParser),
    urlencoded({ limit: config.bodyLimit, extended: false }),
    text({ limit: config.bodyLimit, type: ['text/plain'] }),
    translateBodyParserErrors,
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  const validationPipe = createValidationPipe();
  app.useGlobalPipes(validationPipe);
  setupOpenApi(app, config);
  // Discovery and JWKS are answered from prepared bytes ahead of Express (same bytes as the routes).
  installWellKnownFastPath(app);
  if (options.apiFastPath !== false) installApiFastPath(app, { routes: API_FAST_ROUTES, jsonParser, validationPipe });
  app.enableShutdownHooks();
  const logger = new NestLogger('Startup');
  for (const warning of loaded.warnings) logger.warn(`DEVELOPMENT DEFAULT: ${warning}`);
}

function translateBodyParserErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  next(translateBodyParserError(err));
}
