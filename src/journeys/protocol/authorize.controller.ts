import { Controller, Get, Logger, Optional, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/scopes';
import { Random } from '../../common/random';
import { JourneyStarter } from '../journeys.contracts';
import { validateAuthorizationRequest, type RawParameters } from './authorization-request';
import { AuthorizationResponder, type ResponseTarget } from './authorization-responder';
import { PolicyLookup } from './policy-lookup.service';
import { policyAddress, policyRoutes } from './policy-routes';

/**
 * `GET|POST /:policy/oauth2/v2.0/authorize` (OpenID Connect Core §3.1.2.1: both methods; POST
 * uses form serialization). Validates the request, then hands it to the journey engine.
 * Anything wrong with the policy, the client or the redirect URI is shown on an error page;
 * anything else goes back to the client's redirect URI.
 */
@ApiExcludeController()
@Controller()
@Public()
export class AuthorizeController {
  private readonly logger = new Logger('Authorize');

  constructor(
    private readonly lookup: PolicyLookup,
    private readonly responder: AuthorizationResponder,
    private readonly random: Random,
    @Optional() private readonly starter?: JourneyStarter,
  ) {}

  @Get(policyRoutes('oauth2/v2.0/authorize'))
  async viaGet(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.authorize(req, res, (req.query ?? {}) as RawParameters);
  }

  @Post(policyRoutes('oauth2/v2.0/authorize'))
  async viaPost(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!req.is('application/x-www-form-urlencoded')) {
      this.responder.errorPage(res, {
        status: 400,
        error: 'invalid_request',
        description: 'An authorization request sent with POST must be an application/x-www-form-urlencoded form.',
        correlationId: this.random.uuid(),
      });
      return;
    }
    await this.authorize(req, res, (req.body ?? {}) as RawParameters);
  }

  private async authorize(req: Request, res: Response, raw: RawParameters): Promise<void> {
    const { policyId } = policyAddress(req);
    const outcome = validateAuthorizationRequest(policyId, raw, this.lookup);
    const uiLocales = typeof raw.ui_locales === 'string' ? raw.ui_locales.split(' ') : undefined;
    if (outcome.kind === 'error-page') {
      this.responder.errorPage(res, { ...outcome, correlationId: this.random.uuid(), ...(uiLocales ? { uiLocales } : {}) });
      return;
    }
    if (outcome.kind === 'error-redirect') {
      const correlationId = this.random.uuid();
      this.logger.warn(
        { correlationId, policy: outcome.policy.id, error: outcome.error },
        `authorization request refused: ${outcome.description}`,
      );
      const target: ResponseTarget = {
        redirectUri: outcome.redirectUri,
        responseMode: outcome.responseMode,
        ...(outcome.state !== undefined ? { state: outcome.state } : {}),
        issuer: outcome.policy.issuer,
        ...(uiLocales ? { uiLocales } : {}),
      };
      this.responder.error(res, target, outcome.error, outcome.description);
      return;
    }

    const { request, policy } = outcome;
    const target: ResponseTarget = {
      redirectUri: request.redirectUri,
      responseMode: request.responseMode,
      ...(request.state !== undefined ? { state: request.state } : {}),
      issuer: policy.issuer,
      ...(request.uiLocales ? { uiLocales: request.uiLocales } : {}),
    };
    if (!this.starter) {
      this.responder.error(res, target, 'temporarily_unavailable', 'No journey engine is registered in this deployment.');
      return;
    }
    try {
      await this.starter.begin(request, res);
    } catch (error) {
      // The engine answers its own failures through JourneyCompletion.fail; reaching here is a
      // fault. The client still gets an answer it understands (RFC 6749 §4.1.2.1 server_error).
      const correlationId = this.random.uuid();
      this.logger.error(
        { correlationId, policy: policy.id, err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) },
        'the journey could not be started',
      );
      if (!res.headersSent) {
        this.responder.error(res, target, 'server_error', `The service could not start the sign-in journey. Correlation ID: ${correlationId}`);
      }
    }
  }
}
