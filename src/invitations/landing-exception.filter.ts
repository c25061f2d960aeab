import { ArgumentsHost, Catch, ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { logUnexpected, toTesseraError } from '../common/http-exception.filter';
import { TesseraConfig } from '../config/config.schema';
import { landingPageHeaders, negotiateLocale, renderStatusPage, type StatusPageKind } from './landing.pages';

/**
 * The landing routes' own exception filter: the invitee followed a link from an email and gets a
 * page in their language, never the API's JSON. The rate limit's 429 keeps its `Retry-After`;
 * a failure of the service is logged as the global filter logs it and shown as one, with the
 * reassurance that the invitation itself is unaffected. Status codes stay those of the error.
 */
@Catch()
@Injectable()
export class LandingExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly config: TesseraConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const error = toTesseraError(exception);
    if (error.status >= 500) logUnexpected(this.logger, exception, req?.path);
    if (res.headersSent) return;
    const kind: StatusPageKind = error.status === 429 ? 'busy' : error.status >= 500 ? 'failed' : error.status === 403 ? 'forbidden' : 'unknown';
    for (const [name, value] of Object.entries({ ...error.headers(), ...landingPageHeaders(this.config.publicUrl) })) res.setHeader(name, value);
    const locale = negotiateLocale(req?.headers['accept-language']);
    res.status(error.status).type('html').send(renderStatusPage(kind, { locale, timeZone: this.config.mail.timeZone }));
  }
}
