import type { Provider, Type } from '@nestjs/common';
import { JourneyCompletion } from '../journeys.contracts';
import { AuthorizationCodeRepository } from './authorization-code.repository';
import { AuthorizationCodesService } from './authorization-codes.service';
import { AuthorizationResponder } from './authorization-responder';
import { AuthorizeController } from './authorize.controller';
import { ProtocolJourneyCompletion } from './journey-completion.service';
import { OpenIdConfigurationController } from './openid-configuration.controller';
import { PolicyKeysController } from './policy-keys.controller';
import { PolicyLookup } from './policy-lookup.service';
import { PolicyTokensService } from './policy-tokens.service';
import { TokenExchangeService } from './token-exchange.service';
import { TokenController } from './token.controller';

/** Providers and controllers of the OpenID Connect surface (authorize, token, discovery). */
export const PROTOCOL_PROVIDERS: Provider[] = [
  PolicyLookup,
  AuthorizationCodeRepository,
  AuthorizationCodesService,
  AuthorizationResponder,
  PolicyTokensService,
  TokenExchangeService,
  ProtocolJourneyCompletion,
  { provide: JourneyCompletion, useExisting: ProtocolJourneyCompletion },
];
export const PROTOCOL_CONTROLLERS: Type[] = [AuthorizeController, TokenController, OpenIdConfigurationController, PolicyKeysController];
