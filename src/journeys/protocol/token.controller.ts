import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/scopes';
import { OAuthError } from './oauth.errors';
import { policyAddress, policyRoutes } from './policy-routes';
import { TokenExchangeService, type TokenResponse } from './token-exchange.service';

/**
 * `POST /:policy/oauth2/v2.0/token` (RFC 6749 §3.2, OpenID Connect Core §3.1.3). Errors are
 * OAuthErrors, rendered by the one filter as RFC 6749 §5.2 JSON.
 */
@ApiTags('journeys')
@Controller()
@Public()
export class TokenController {
  constructor(private readonly exchange: TokenExchangeService) {}

  @Post(policyRoutes('oauth2/v2.0/token'))
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem an authorization code for an id_token (and an access token for the application itself)' })
  async token(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponse> {
    // RFC 6749 §5.1: token responses are never cached. Browser apps (public clients with PKCE)
    // call this endpoint cross-origin; no cookie is involved, so any origin may read the answer.
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Access-Control-Allow-Origin': '*' });
    if (!req.is('application/x-www-form-urlencoded')) {
      throw new OAuthError('invalid_request', 'The token request must be sent as application/x-www-form-urlencoded (RFC 6749 §3.2).');
    }
    const { policyId } = policyAddress(req);
    if (policyId === undefined) throw new OAuthError('invalid_request', 'The request does not name a policy.', 404);
    return this.exchange.exchange(policyId, singleValued((req.body ?? {}) as Record<string, unknown>), req.headers.authorization);
  }
}

/** RFC 6749 §3.2: parameters sent without a value are omitted; none may repeat. */
function singleValued(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') {
      // PostgreSQL text cannot hold U+0000 (SQLSTATE 22021): a 400, not a failed lookup.
      if (value.includes('\u0000')) throw new OAuthError('invalid_request', `The ${name} parameter contains a NUL character (U+0000).`);
      if (value !== '') values[name] = value;
    } else {
      throw new OAuthError('invalid_request', `The ${name} parameter is given more than once.`);
    }
  }
  return values;
}
