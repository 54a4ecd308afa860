import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfigService } from '../config/app-config.service';
import { dataSourceOptions, EntityList } from './data-source';
import { TdeStatusService } from './tde-status.service';

/** The connection (global: every module's repositories and TDE status use it). */
@Global()
@Module({})
export class DatabaseModule {
  /** `entities`: the composition root's list (src/entities.ts). */
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfigService],
          useFactory: (config: AppConfigService) => ({
            ...dataSourceOptions(config.env, entities),
            // Keep retrying the first connection briefly, then fail: the service does not start blind.
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [TdeStatusService],
      exports: [TdeStatusService],
    };
  }
}
