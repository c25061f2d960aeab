import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/scopes';
import { RateLimit } from '../common/rate-limit';
import { TesseraConfig } from '../config/config.schema';
import type { Locale } from '../relying-parties/relying-parties.config';
import { LandingCsrfService } from './landing-csrf.service';
import { LandingExceptionFilter } from './landing-exception.filter';
import { landingPageHeaders, negotiateLocale, renderInvitationPage, renderStatusPage, type StatusPageKind } from './landing.pages';
import type { RelyingParty } from '../relying-parties/relying-party';
import type { InvitationRow } from './invitations.tables';
import { LandingService } from './landing.service';

interface StatusContext {
  invitation?: InvitationRow;
  rp?: RelyingParty;
  locale?: Locale;
}

const STATUS_CODES: Record<StatusPageKind, number> = {
  unknown: 404,
  superseded: 410,
  expired: 410,
  revoked: 410,
  redeemed: 410,
  forbidden: 403,
  unavailable: 409,
  busy: 429,
  failed: 500,
};

/**
 * `GET /invite/:code` and `POST /invite/:code/accept`: the page an invitation email links to.
 * Anonymous, rate-limited per client, and HTML only — the invitee never sees JSON or a stack.
 */
@ApiExcludeController()
@Controller('invite')
@Public()
@RateLimit('public')
// A refusal by the rate limit, a bad parameter or a failure of the service is a page too.
@UseFilters(LandingExceptionFilter)
export class LandingController {
  constructor(
    private readonly landing: LandingService,
    private readonly csrf: LandingCsrfService,
    private readonly config: TesseraConfig,
  ) {}

  @Get(':code')
  async show(@Param('code') code: string, @Headers('accept-language') acceptLanguage: string | undefined, @Res() res: Response): Promise<void> {
    const state = await this.landing.open(code);
    if (state.kind !== 'usable') return this.status(res, state.kind, state, acceptLanguage);
    const { invitation, rp, codeHash } = state;
    this.send(
      res,
      200,
      renderInvitationPage({
        locale: invitation.locale as Locale,
        relyingPartyName: rp.displayName,
        inviterName: invitation.inviter_name ?? undefined,
        email: invitation.email,
        expiresAt: new Date(invitation.expires_at),
        action: `${this.config.publicUrl}/invite/${code}/accept`,
        csrf: await this.csrf.token(codeHash),
        timeZone: this.config.mail.timeZone,
      }),
      rp.signUpUrl.origin,
    );
  }

  @Post(':code/accept')
  @HttpCode(303)
  async accept(
    @Param('code') code: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @Res() res: Response,
  ): Promise<void> {
    const acceptLanguage = headers['accept-language'];
    const state = await this.landing.lookup(code);
    if (state.kind !== 'usable') return this.status(res, state.kind, state, acceptLanguage);
    const locale = state.invitation.locale as Locale;
    const csrfToken = body && typeof body === 'object' ? (body as { csrf?: unknown }).csrf : undefined;
    if (!this.sameOrigin(headers) || !(await this.csrf.verify(state.codeHash, csrfToken))) {
      return this.status(res, 'forbidden', { locale, rp: state.rp });
    }
    const outcome = await this.landing.accept(state);
    if ('kind' in outcome) return this.status(res, outcome.kind, state);
    this.secure(res, outcome.location);
    res.redirect(303, outcome.location);
  }

  /**
   * Fetch Metadata (`Sec-Fetch-Site`) and `Origin` must both say the form came from this site
   * when the browser sends them (OWASP CSRF cheat sheet, "Verifying origin with standard
   * headers"); clients that send neither still need the CSRF token.
   */
  private sameOrigin(headers: Record<string, string | undefined>): boolean {
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = headers.origin;
    // Fetch §3.1: under `Referrer-Policy: no-referrer` (which this page sends) a browser's form
    // POST carries `Origin: null`; Sec-Fetch-Site then has to vouch for it.
    if (origin === 'null') return site === 'same-origin';
    if (origin !== undefined && origin !== new URL(this.config.publicUrl).origin) return false;
    return true;
  }

  private status(res: Response, kind: StatusPageKind, context: StatusContext, acceptLanguage?: string): void {
    const { invitation, rp } = context;
    const locale = context.locale ?? (invitation ? (invitation.locale as Locale) : negotiateLocale(acceptLanguage, rp?.defaultLocale));
    this.send(
      res,
      STATUS_CODES[kind],
      renderStatusPage(kind, {
        locale,
        relyingPartyName: rp?.displayName,
        expiresAt: invitation ? new Date(invitation.expires_at) : undefined,
        timeZone: this.config.mail.timeZone,
      }),
    );
  }

  private send(res: Response, status: number, html: string, formTarget?: string): void {
    this.secure(res, formTarget);
    res.status(status).type('html').send(html);
  }

  private secure(res: Response, formTarget?: string): void {
    for (const [name, value] of Object.entries(landingPageHeaders(this.config.publicUrl, formTarget))) res.setHeader(name, value);
  }
}
