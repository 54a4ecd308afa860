import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { validateEnvironment } from '../../src/core/config/environment';
import { writeLocalSecrets } from '../../src/core/config/local-secrets';
import { createDataSource } from '../../src/core/database/data-source';
import { ENTITIES } from '../../src/entities';

const ROOT = resolve(__dirname, '..', '..');
export const BENCH_DB = 'callwarden_bench';

export interface BenchApp {
  app: INestApplication;
  dataSource: DataSource;
  /** The environment the app was built with (secrets are file paths, never values). */
  env: Record<string, string | undefined>;
  /** MariaDB server version, for the results file. */
  dbVersion: string;
  close: () => Promise<void>;
}

/**
 * Starts (or reuses) the disposable encrypted MariaDB of scripts/db.sh in /dev/shm on port 3347
 * (or CW_DB_DIR and CW_DB_PORT when set),
 * drops and recreates the bench database, writes throwaway secrets, applies every migration, and
 * builds the full application (`init`, no HTTP listener). The database server is left running for
 * the next run; `CW_DB_DIR=/dev/shm/callwarden-bench-<uid> CW_DB_PORT=3347 bash scripts/db.sh stop`
 * stops it.
 */
export async function startBenchApp(
  log: (message: string) => void = () => undefined,
): Promise<BenchApp> {
  const dbEnv = {
    ...process.env,
    // CW_DB_DIR / CW_DB_PORT pick another server (a bench running beside tests or another bench).
    CW_DB_DIR: process.env.CW_DB_DIR || `/dev/shm/callwarden-bench-${process.getuid?.() ?? 0}`,
    CW_DB_PORT: process.env.CW_DB_PORT || '3347',
  };
  const script = join(ROOT, 'scripts', 'db.sh');
  log(`starting MariaDB in ${dbEnv.CW_DB_DIR} on port ${dbEnv.CW_DB_PORT}`);
  execFileSync('bash', [script, 'start'], { env: dbEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const appUrl = new URL(execFileSync('bash', [script, 'url'], { env: dbEnv }).toString().trim());
  const adminUrl = execFileSync('bash', [script, 'admin-url'], { env: dbEnv }).toString().trim();
  appUrl.pathname = `/${BENCH_DB}`;
  const migrationUrl = new URL(
    execFileSync('bash', [script, 'migration-url'], { env: dbEnv }).toString().trim(),
  );
  migrationUrl.pathname = `/${BENCH_DB}`;

  const conn = await createConnection({ uri: adminUrl, multipleStatements: false });
  let dbVersion = 'unknown';
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${BENCH_DB}\``);
    await conn.query(
      `CREATE DATABASE \`${BENCH_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const [rows] = await conn.query('SELECT VERSION() AS version');
    const first = (rows as { version?: unknown }[])[0];
    if (typeof first?.version === 'string') dbVersion = first.version;
  } finally {
    await conn.end();
  }

  const secrets = mkdtempSync(join(tmpdir(), 'callwarden-bench-secrets-'));
  const { masterKeyFile, jwtKeysDir: jwtKeys } = writeLocalSecrets(secrets);

  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    DATABASE_URL: appUrl.toString(),
    MIGRATION_DATABASE_URL: migrationUrl.toString(),
    MASTER_KEY_FILE: masterKeyFile,
    JWT_KEYS_DIR: jwtKeys,
    LOG_LEVEL: 'silent',
    // Load comes from one client and one principal: keep the guard on (its cost is measured) with
    // a budget the load cannot reach.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_SENSITIVE_PER_MINUTE: '1000000',
    // createApp merges these over process.env: keep an inherited shell from changing the setup.
    MASTER_KEY: undefined,
    MASTER_KEY_PREVIOUS: undefined,
    MASTER_KEY_PREVIOUS_FILE: undefined,
    SIEM_WEBHOOK_URL: undefined,
    LOG_FILE: undefined,
  };

  try {
    log('running migrations');
    const migrator = createDataSource(validateEnvironment({ ...env }), ENTITIES, true);
    await migrator.initialize();
    try {
      await migrator.runMigrations({ transaction: 'each' });
    } finally {
      await migrator.destroy();
    }

    log('building the application');
    const app = await createApp({ env });
    await app.init();
    const dataSource = app.get(DataSource);
    return {
      app,
      dataSource,
      env,
      dbVersion,
      close: async () => {
        try {
          await app.close();
        } finally {
          rmSync(secrets, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(secrets, { recursive: true, force: true });
    throw e;
  }
}
