import { Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Clock } from '../../common/clock';
import type { OAuthErrorCode } from './oauth.errors';
import { pageHeaders, pageLocale, renderErrorPage, renderFormPostPage } from './protocol-pages';
import { formFields, redirectLocation, type ResponseMode, type ResponseParameters } from './response-modes';

/** Where an authorization response goes: a registered redirect URI, exactly as requested. */
export interface ResponseTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
  /** the policy's issuer, sent as `iss` (RFC 9207) so the client can tell authorization servers apart */
  issuer: string;
  uiLocales?: string[];
}

export interface ErrorPage {
  status: number;
  error: OAuthErrorCode | string;
  description: string;
  correlationId: string;
  uiLocales?: string[];
}

/**
 * Writes authorization responses (success or error) in the requested response mode, and the
 * error page for requests whose redirect URI cannot be trusted.
 */
@Injectable()
export class AuthorizationResponder {
  private readonly logger = new Logger('Authorize');

  constructor(private readonly clock: Clock) {}

  /** RFC 6749 §4.1.2 / OpenID Connect Core §3.3.2.5: `code`, `id_token`, `state`. */
  success(res: Response, target: ResponseTarget, params: { code?: string; id_token?: string }): void {
    this.send(res, target, { ...params, state: target.state, iss: target.issuer });
  }

  /** RFC 6749 §4.1.2.1: `error`, `error_description`, and `state` exactly as received. */
  error(res: Response, target: ResponseTarget, error: OAuthErrorCode | string, description: string): void {
    this.send(res, target, { error, error_description: description, state: target.state, iss: target.issuer });
  }

  /** The one place a browser sees an error the client cannot be told about. Never redirects. */
  errorPage(res: Response, page: ErrorPage): void {
    this.logger.warn(
      { correlationId: page.correlationId, error: page.error, status: page.status },
      `authorization request refused on the error page: ${page.description}`,
    );
    const locale = pageLocale(page.uiLocales, res.req?.headers['accept-language']);
    const html = renderErrorPage({ locale, error: page.error, description: page.description, correlationId: page.correlationId, at: this.clock.now() });
    res.set(pageHeaders()).status(page.status).type('html').send(html);
  }

  private send(res: Response, target: ResponseTarget, params: ResponseParameters): void {
    if (target.responseMode === 'form_post') {
      const locale = pageLocale(target.uiLocales, res.req?.headers['accept-language']);
      const html = renderFormPostPage({ locale, action: target.redirectUri, fields: formFields(params) });
      res.set(pageHeaders(target.redirectUri)).status(200).type('html').send(html);
      return;
    }
    // 303: the browser follows with a GET, also after a POSTed page (RFC 9700 §4.11).
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Referrer-Policy': 'no-referrer' });
    res.redirect(303, redirectLocation(target.redirectUri, target.responseMode, params));
  }
}
