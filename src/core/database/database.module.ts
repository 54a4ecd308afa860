import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfigService } from '../config/app-config.service';
import { dataSourceOptions } from './data-source';
import { TdeStatusService } from './tde-status.service';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        ...dataSourceOptions(config.env),
        // Keep retrying the first connection briefly, then fail: the service does not start blind.
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [TdeStatusService],
  exports: [TdeStatusService],
})
export class DatabaseModule {}
