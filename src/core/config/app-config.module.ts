import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfigService, ENVIRONMENT } from './app-config.service';
import { loadEnvironment } from './environment';

@Global()
@Module({})
export class AppConfigModule {
  /**
   * Validates the environment once, when the module is defined, so that a bad value stops the
   * process before anything starts. `overrides` lets tests and tools start an app in-process with
   * a different environment.
   */
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    const env = loadEnvironment(overrides);
    return {
      module: AppConfigModule,
      imports: [
        NestConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          // Only the validated object is served: ConfigService never falls back to process.env,
          // and nothing is written back into process.env.
          validatePredefined: false,
          skipProcessEnv: true,
          cache: true,
          load: [() => ({ ...env })],
        }),
      ],
      providers: [{ provide: ENVIRONMENT, useValue: env }, AppConfigService],
      exports: [AppConfigService],
    };
  }
}
