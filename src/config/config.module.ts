import { DynamicModule, Global, Module } from '@nestjs/common';
import { TesseraConfig } from './config.schema';

/** Provides the validated configuration; inject it by its class, `TesseraConfig`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: TesseraConfig, useValue: config }],
      exports: [TesseraConfig],
    };
  }
}
