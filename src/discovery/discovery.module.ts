import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { JwksController } from './jwks.controller';
import { OpenIdConfigurationController } from './openid-configuration.controller';
import { WellKnownDocumentsService } from './well-known-documents.service';

@Module({
  imports: [KeysModule],
  controllers: [OpenIdConfigurationController, JwksController],
  providers: [WellKnownDocumentsService],
  exports: [WellKnownDocumentsService],
})
export class DiscoveryModule {}
