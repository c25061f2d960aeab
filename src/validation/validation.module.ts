import { Module } from '@nestjs/common';
import { OutboundHttpModule } from '../common/outbound-http.module';
import { HintProfileRegistry } from './hint-profile.registry';
import { HintValidatorService } from './hint-validator.service';
import { HintsController } from './hints.controller';
import { IssuerMetadataService } from './issuer-metadata.service';

/** The consumer side: hint profiles, issuer metadata, the validator and its HTTP route. */
@Module({
  imports: [OutboundHttpModule],
  controllers: [HintsController],
  providers: [HintProfileRegistry, IssuerMetadataService, HintValidatorService],
  exports: [HintValidatorService, HintProfileRegistry],
})
export class ValidationModule {}
