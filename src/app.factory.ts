import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfigService } from './core/config/app-config.service';
import { requestStoreMiddleware } from './core/request/request-store';

export interface CreateAppOptions {
  /** Environment overrides (tests and tools); the process environment fills the rest. */
  env?: Record<string, string | undefined>;
}

/** Builds the application exactly as production runs it; `main.ts` and the e2e tests both use it. */
export async function createApp(options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(options.env), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  const config = app.get(AppConfigService);

  app.use(requestStoreMiddleware);
  app.disable('x-powered-by');
  app.set('trust proxy', config.get('TRUST_PROXY_HOPS'));
  app.useBodyParser('json', { limit: '256kb' });
  app.useBodyParser('urlencoded', { limit: '64kb', extended: false });
  app.use(cookieParser());
  app.use(
    helmet({
      // GraphiQL (development only) needs inline scripts; production serves no HTML at all.
      contentSecurityPolicy: config.isProduction ? undefined : false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: true,
    methods: ['GET', 'POST'],
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // Validation messages name the field and the rule, never the submitted value.
      validationError: { target: false, value: false },
    }),
  );
  return app;
}
