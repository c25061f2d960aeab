import { Global, Module } from '@nestjs/common';
import { TesseraConfig } from '../config/config.schema';
import { DatabaseService } from './database.service';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseService,
      inject: [TesseraConfig],
      useFactory: async (config: TesseraConfig) => {
        const service = new DatabaseService({ url: config.databaseUrl });
        await service.migrate();
        return service;
      },
    },
  ],
  exports: [DatabaseService],
})
export class PersistenceModule {}
