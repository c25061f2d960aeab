import { Module } from '@nestjs/common';
import { OutboundHttpModule } from '../common/outbound-http.module';
import { KeysModule } from '../keys/keys.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { TokensModule } from '../tokens/tokens.module';
import { OwnMetadataFetcher } from './own-metadata.fetcher';
import { SelfCheckController } from './self-check.controller';
import { SelfCheckService } from './self-check.service';

@Module({
  imports: [KeysModule, TokensModule, RelyingPartiesModule, OutboundHttpModule],
  controllers: [SelfCheckController],
  providers: [SelfCheckService, OwnMetadataFetcher],
  exports: [SelfCheckService],
})
export class SelfCheckModule {}
