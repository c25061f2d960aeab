import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { RelyingPartiesController } from './relying-parties.controller';
import { RelyingPartiesService } from './relying-parties.service';

@Module({
  imports: [KeysModule],
  controllers: [RelyingPartiesController],
  providers: [RelyingPartiesService],
  exports: [RelyingPartiesService],
})
export class RelyingPartiesModule {}
