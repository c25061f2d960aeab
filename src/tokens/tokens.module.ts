import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { TokensService } from './tokens.service';

@Module({
  imports: [KeysModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
