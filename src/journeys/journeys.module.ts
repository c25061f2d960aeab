import { Module } from '@nestjs/common';
import { InvitationsModule } from '../invitations/invitations.module';
import { KeysModule } from '../keys/keys.module';
import { TokensModule } from '../tokens/tokens.module';
import { ValidationModule } from '../validation/validation.module';
import { ENGINE_CONTROLLERS, ENGINE_PROVIDERS } from './engine/engine.providers';
import { PROTOCOL_CONTROLLERS, PROTOCOL_PROVIDERS } from './protocol/protocol.providers';

/**
 * B2C-shaped journeys. The engine and the protocol surface meet only through the abstract
 * classes in `journeys.contracts.ts`, each provided by one side.
 */
@Module({
  imports: [ValidationModule, InvitationsModule, KeysModule, TokensModule],
  providers: [...ENGINE_PROVIDERS, ...PROTOCOL_PROVIDERS],
  controllers: [...ENGINE_CONTROLLERS, ...PROTOCOL_CONTROLLERS],
})
export class JourneysModule {}
