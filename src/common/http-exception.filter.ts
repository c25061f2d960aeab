import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { redactPath } from '../logging';
import {
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  TesseraError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
} from './errors';

/**
 * The one place errors become HTTP responses. TesseraErrors render their own body; Nest and
 * body-parser exceptions are translated into the same shape; anything else is a 500 whose
 * details go to the log only (never a stack trace on the wire).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const error = toTesseraError(exception);
    if (error.status >= 500) logUnexpected(this.logger, exception, req?.path);
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(errorHeaders(error))) res.setHeader(name, value);
    res.status(error.status).json(error.body());
  }
}

/**
 * The headers of every error answer, on every path (this filter and the API fast path in
 * src/http): the error's own (`WWW-Authenticate`, `Retry-After`), never cached, and JSON.
 * Content-Type explicitly: a route's own @Header('Content-Type', …) (a PEM, a stylesheet) may
 * already be set, and would otherwise label this JSON error as that type.
 */
export function errorHeaders(error: TesseraError): Record<string, string> {
  return { ...error.headers(), 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' };
}

/** Details of a 5xx go to the log only, never on the wire. */
export function logUnexpected(logger: Logger, exception: unknown, path: string | undefined): void {
  // The path can carry a bearer secret (the landing code in /invite/:code): redacted as the request log does.
  logger.error(
    { err: exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : String(exception), path: path === undefined ? undefined : redactPath(path) },
    'unhandled error',
  );
}

/** Any exception as the TesseraError it is answered with; the unknown ones are a generic 500. */
export function toTesseraError(exception: unknown): TesseraError {
  if (exception instanceof TesseraError) return exception;
  if (exception instanceof HttpException) return fromHttpException(exception);
  const translated = translateBodyParserError(exception);
  if (translated instanceof TesseraError) return translated;
  return new TesseraError('server_error', 500, 'an unexpected error occurred; it has been logged');
}

function fromHttpException(exception: HttpException): TesseraError {
  const status = exception.getStatus();
  if (status === 404) return new NotFoundError('no such route or resource');
  if (status === 429) return new TooManyRequestsError();
  if (status === 413) return new PayloadTooLargeError('the request body is larger than this endpoint accepts');
  const response = exception.getResponse();
  const message =
    typeof response === 'object' && response && 'message' in response
      ? [(response as { message: unknown }).message].flat().join('; ')
      : exception.message;
  if (status >= 500) return new TesseraError('server_error', 500, 'an unexpected error occurred; it has been logged');
  return new TesseraError(status === 400 ? 'invalid_request' : `http_${status}`, status, message);
}

/** body-parser errors (raised before any controller) carry `type` and a 4xx `status`. */
export function translateBodyParserError(exception: unknown): unknown {
  const e = exception as { type?: string; status?: number } | undefined;
  if (!e || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return exception;
  switch (e.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError('the request body is larger than this endpoint accepts');
    case 'entity.parse.failed':
      return new InvalidRequestError('the request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('the request body uses an unsupported encoding or charset');
    default:
      return new TesseraError('invalid_request', e.status, 'the request body could not be read');
  }
}
