import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { RequireScopes, type Principal } from '../auth/scopes';
import { RedemptionService, type RedeemedInvitation } from './redemption.service';

/**
 * `POST /api/invitations/redeem` `{jti}` or `{token}`: shaped for an Azure AD B2C REST technical
 * profile used as a validation step (bearer API key, `409 {version, status, userMessage}`).
 * The body is typed `unknown` so the global pipe passes it through and every refusal, a
 * malformed body included, keeps the B2C shape.
 */
@ApiTags('invitations')
@Controller('api/invitations/redeem')
export class RedeemController {
  constructor(private readonly redemption: RedemptionService) {}

  @Post()
  @HttpCode(200)
  @RequireScopes('invitations:redeem')
  @ApiOperation({ summary: 'Redeem an invitation once (B2C REST technical profile contract)' })
  redeem(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<RedeemedInvitation> {
    return this.redemption.redeem((body ?? {}) as Record<string, unknown>, principal.keyId);
  }
}
