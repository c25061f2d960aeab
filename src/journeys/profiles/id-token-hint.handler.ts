import { Injectable } from '@nestjs/common';
import { HintValidationError } from '../../validation/hint-validation.error';
import { HintValidatorService } from '../../validation/hint-validator.service';
import { JOURNEY_ERROR_CODES, JourneyStepError } from '../engine/journey.errors';
import type { TechnicalProfileDef } from '../policy/policy.model';
import type { ClaimsExchangeHandler, ExchangeClaims, ProfileContext } from './technical-profile.handler';

/**
 * B2C's ID token hint technical profile: validates the request's `id_token_hint` with the hint
 * profile it names (issuer, audience, keys, lifetime — all in the validator), and hands the
 * token's claims to the output claim mapping. Without a hint it produces nothing, as in B2C,
 * where the next step's precondition decides what an unsolicited request gets.
 */
@Injectable()
export class IdTokenHintHandler implements ClaimsExchangeHandler {
  readonly kind = 'IdTokenHint' as const;

  constructor(private readonly validator: HintValidatorService) {}

  async invoke(tp: TechnicalProfileDef, _claims: ExchangeClaims, ctx: ProfileContext): Promise<Record<string, unknown>> {
    const hint = ctx.takeHint();
    if (hint === undefined) return {};
    try {
      const validated = await this.validator.validate(String(tp.metadata.hintProfile), hint);
      return validated.payload as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof HintValidationError)) throw e;
      // The validator's AADB2C codes are B2C's own; its Tessera-specific ones (not yet valid,
      // missing claim) are "could not be validated" to an application that knows B2C's.
      const code = e.code.startsWith('AADB2C') ? e.code : JOURNEY_ERROR_CODES.hintNotValidated;
      throw new JourneyStepError(code, `The provided id_token_hint could not be used: ${e.description}`);
    }
  }
}
