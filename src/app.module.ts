import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { ConfigModule } from './config/config.module';
import { TesseraConfig } from './config/config.schema';
import { DiscoveryModule } from './discovery/discovery.module';
import { InvitationsModule } from './invitations/invitations.module';
import { KeysModule } from './keys/keys.module';
import { JourneysModule } from './journeys/journeys.module';
import { loggerParams } from './logging';
import { MailModule } from './mail/mail.module';
import { OpsModule } from './ops/ops.module';
import { PersistenceModule } from './persistence/persistence.module';
import { RelyingPartiesModule } from './relying-parties/relying-parties.module';
import { SelfCheckModule } from './self-check/self-check.module';
import { TokensModule } from './tokens/tokens.module';
import { ValidationModule } from './validation/validation.module';

@Module({})
export class AppModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        CommonModule,
        PersistenceModule,
        KeysModule,
        TokensModule,
        DiscoveryModule,
        AuthModule,
        OpsModule,
        ValidationModule,
        MailModule,
        RelyingPartiesModule,
        InvitationsModule,
        SelfCheckModule,
        JourneysModule,
      ],
    };
  }
}
