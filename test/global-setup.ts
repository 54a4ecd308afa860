import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { validateEnvironment } from '../src/core/config/environment';
import { writeLocalSecrets } from '../src/core/config/local-secrets';
import { createDataSource } from '../src/core/database/data-source';
import { ENTITIES } from '../src/entities';
import { newTestEnvFile } from './utils/test-env-file';

const ROOT = resolve(__dirname, '..');
const TEST_DB = 'callwarden_test';

/**
 * Starts (or reuses) the disposable encrypted MariaDB in /dev/shm unless DATABASE_URL is given,
 * recreates the test database, applies every migration once, and writes the test environment.
 */
export default async function globalSetup(): Promise<void> {
  const dbEnv = {
    ...process.env,
    CW_DB_DIR: process.env.CW_DB_DIR ?? `/dev/shm/callwarden-test-${process.getuid?.() ?? 0}`,
    CW_DB_PORT: process.env.CW_DB_PORT ?? '3317',
  };
  const script = join(ROOT, 'scripts', 'db.sh');
  let appUrl = process.env.DATABASE_URL;
  let adminUrl = process.env.ADMIN_DATABASE_URL;
  let migrationUrl = process.env.MIGRATION_DATABASE_URL ?? adminUrl;
  if (!appUrl) {
    execFileSync('bash', [script, 'start'], { env: dbEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    appUrl = execFileSync('bash', [script, 'url'], { env: dbEnv }).toString().trim();
    adminUrl = execFileSync('bash', [script, 'admin-url'], { env: dbEnv }).toString().trim();
    migrationUrl = execFileSync('bash', [script, 'migration-url'], { env: dbEnv })
      .toString()
      .trim();
  }
  if (!adminUrl) throw new Error('Set ADMIN_DATABASE_URL too when DATABASE_URL is given');
  // pdftotext reads the evidence pack's PDF back; installed once on a fresh machine (as root).
  execFileSync('bash', [join(ROOT, 'scripts', 'test-tools.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const app = new URL(appUrl);
  app.pathname = `/${TEST_DB}`;
  const admin = new URL(adminUrl);
  admin.pathname = `/${TEST_DB}`;
  const migrator = new URL(migrationUrl ?? adminUrl);
  migrator.pathname = `/${TEST_DB}`;

  const conn = await createConnection({ uri: adminUrl, multipleStatements: false });
  await conn.query(`DROP DATABASE IF EXISTS \`${TEST_DB}\``);
  await conn.query(
    `CREATE DATABASE \`${TEST_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await conn.end();

  const { masterKeyFile, jwtKeysDir: jwtKeys } = writeLocalSecrets(
    mkdtempSync(join(tmpdir(), 'callwarden-test-secrets-')),
  );

  const testEnv: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: app.toString(),
    ADMIN_DATABASE_URL: admin.toString(),
    MIGRATION_DATABASE_URL: migrator.toString(),
    CW_DB_DIR: dbEnv.CW_DB_DIR,
    CW_DB_PORT: dbEnv.CW_DB_PORT,
    MASTER_KEY_FILE: masterKeyFile,
    JWT_KEYS_DIR: jwtKeys,
    // Tests act from many client addresses through X-Forwarded-For.
    TRUST_PROXY_HOPS: '1',
    // Suites replay many operations as one admin; the rate limits have their own tests with low budgets.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_SENSITIVE_PER_MINUTE: '1000000',
    // Suites share one database and reuse client addresses: the incident detector would turn one
    // suite's deliberate failures into blocks and forced resets in another. Its suites turn it on.
    DETECTION: 'off',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };

  const dataSource = createDataSource(validateEnvironment(testEnv), ENTITIES, true);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  writeFileSync(newTestEnvFile(), JSON.stringify(testEnv), { mode: 0o600 });
}
