import { DataSource, DataSourceOptions } from 'typeorm';
import { databaseOptionsFrom } from '../config/app-config.service';
import { EnvironmentVariables } from '../config/environment';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** The one description of our database connection, used by the app, the CLI and the tests. */
export function dataSourceOptions(
  env: EnvironmentVariables,
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
    entities: ENTITIES,
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

export function createDataSource(env: EnvironmentVariables, forMigrations = false): DataSource {
  return new DataSource(dataSourceOptions(env, forMigrations));
}
