import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables, NodeEnv, webauthnOrigins } from './environment';

export const ENVIRONMENT = Symbol('ENVIRONMENT');

export interface DatabaseConnectionOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
  poolSize: number;
}

/** Typed, derived view of the validated environment. */
@Injectable()
export class AppConfigService {
  constructor(
    private readonly config: ConfigService<EnvironmentVariables, true>,
    @Inject(ENVIRONMENT) readonly env: EnvironmentVariables,
  ) {}

  get<K extends keyof EnvironmentVariables>(key: K): EnvironmentVariables[K] {
    return this.config.get(key, { infer: true });
  }

  get isProduction(): boolean {
    return this.get('NODE_ENV') === NodeEnv.Production;
  }

  get corsOrigins(): string[] {
    return (this.get('CORS_ORIGINS') ?? '').split(',').filter(Boolean);
  }

  /** The origins passkey ceremonies may come from (validated at start). */
  get webauthnOrigins(): string[] {
    return webauthnOrigins(this.get('WEBAUTHN_ORIGINS'));
  }
}

export function databaseOptionsFrom(env: EnvironmentVariables): DatabaseConnectionOptions {
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    return {
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.replace(/^\//, ''),
      poolSize: env.DB_POOL_SIZE,
    };
  }
  return {
    host: env.DB_HOST ?? '127.0.0.1',
    port: env.DB_PORT ?? 3306,
    username: env.DB_USER ?? '',
    password: env.DB_PASSWORD ?? '',
    database: env.DB_NAME ?? '',
    poolSize: env.DB_POOL_SIZE,
  };
}
