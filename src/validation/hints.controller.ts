import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes';
import { RateLimit } from '../common/rate-limit';
import { HintValidatorService } from './hint-validator.service';
import { HintErrorDto, ValidatedHintDto, ValidateHintDto } from './validate-hint.dto';

/** `POST /api/hints/validate`: the validator over HTTP, for backends that are not Tessera. */
@ApiTags('hints')
@Controller('api/hints')
export class HintsController {
  constructor(private readonly validator: HintValidatorService) {}

  @Post('validate')
  @HttpCode(200)
  // The claims are personal data about an invitee: no cache may keep them.
  @Header('Cache-Control', 'no-store')
  @RequireScopes('hints:validate')
  @RateLimit('validate')
  @ApiOperation({ summary: 'Validate an id_token_hint against a configured hint profile; returns the mapped claims' })
  @ApiOkResponse({ type: ValidatedHintDto })
  @ApiBadRequestResponse({ type: HintErrorDto, description: 'the token was rejected, with a B2C-style code' })
  async validate(@Body() body: ValidateHintDto): Promise<ValidatedHintDto> {
    const { claims, header, payload } = await this.validator.validate(body.profile, body.id_token_hint);
    return { claims, header: { ...header }, payload: { ...payload } };
  }
}
