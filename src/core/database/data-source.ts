import { DataSource, DataSourceOptions, EntitySchema } from 'typeorm';
import { databaseOptionsFrom } from '../config/app-config.service';
import { EnvironmentVariables } from '../config/environment';
import { MIGRATIONS } from './migrations';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = (Function | EntitySchema)[];

/**
 * The one description of our database connection, used by the app, the CLI and the tests. The
 * entities come from the composition root (src/entities.ts): core knows no domain.
 */
export function dataSourceOptions(
  env: EnvironmentVariables,
  entities: EntityList,
  forMigrations = false,
): DataSourceOptions {
  const db = databaseOptionsFrom(
    forMigrations && env.MIGRATION_DATABASE_URL
      ? { ...env, DATABASE_URL: env.MIGRATION_DATABASE_URL }
      : env,
  );
  return {
    type: 'mariadb',
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    poolSize: db.poolSize,
    connectTimeout: 5000,
    extra: {
      waitForConnections: true,
      queueLimit: 500,
      enableKeepAlive: true,
      idleTimeout: 60000,
    },
  };
}

export function createDataSource(
  env: EnvironmentVariables,
  entities: EntityList,
  forMigrations = false,
): DataSource {
  return new DataSource(dataSourceOptions(env, entities, forMigrations));
}
