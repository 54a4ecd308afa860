import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { createApp } from './app.factory';
import { RetentionService } from './modules/retention/retention.service';
import { ConfigError, databaseUrlOnly, loadMigrationEnvironment } from './core/config/environment';
import { createDataSource } from './core/database/data-source';
import { ENTITIES } from './entities';
import { printCommittedSchema } from './core/graphql/print-schema';
import { writeLocalSecrets } from './core/config/local-secrets';
import { CryptoService } from './modules/crypto/crypto.service';
import { tablesDone } from './modules/crypto/services/reencryption.service';
import { AuditService } from './modules/audit/audit.service';
import { UsersService } from './modules/identity/services/users.service';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from './tools/demo-seed';
import { DataSource } from 'typeorm';
import { ActorType } from './modules/audit/entities/audit-event.entity';
import {
  ReencryptionJobEntity,
  ReencryptionStatus,
} from './modules/crypto/entities/reencryption-job.entity';
import { AppException } from './core/errors/error-code';

/** What the audit log records as the actor of an operator's CLI command. */
const CLI_ACTOR = {
  type: ActorType.System,
  id: `cli:${userInfo().username}`,
  role: 'operator',
};

const SCHEMA_FILE = resolve(__dirname, '..', 'schema.graphql');

function usage(): never {
  process.stderr.write(
    [
      'usage: npm run cli -- <command>',
      '  migrate             apply pending migrations',
      '  migrate:revert      revert the last migration',
      '  schema              write schema.graphql from the code',
      '  secrets:generate D  write a master key, JWT signing key and SMS webhook secret into D (mode 600)',
      '  create-admin --email E --name N [--password-file F]   the first admin of a fresh install',
      '  seed                demo data: one user per role, 200 customers (development only)',
      '  crypto:rotate P [--batch-size N]     new data key version for purpose P (pii|secrets|audit),',
      '                      then re-encrypt every table to it; exits 0 when all are done',
      '  crypto:reencrypt P [--batch-size N]  run (or resume, also after a kill) the re-encryption of P',
      '  crypto:retire ID    schedule a rotated key no stored value uses for destruction',
      '                      (after KEY_DESTRUCTION_WAITING_DAYS; every use meanwhile is an alert)',
      '  crypto:cancel-destruction ID         keep a key scheduled for destruction (decrypt-only)',
      '  crypto:destroy-due  destroy the keys whose waiting period ended (the app does it hourly too)',
      '  crypto:rewrap       re-wrap every data key under the current master key (master key rotation)',
      '  retention:run       run the retention purge now and print what it removed',
      '    [--dry-run]         print what it would remove, remove nothing',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

async function migrate(revert: boolean): Promise<void> {
  const dataSource = createDataSource(loadMigrationEnvironment(), ENTITIES, true);
  await dataSource.initialize();
  try {
    if (revert) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      process.stdout.write(`applied ${applied.length} migration(s)\n`);
    }
  } finally {
    await dataSource.destroy();
  }
}

async function writeSchema(): Promise<void> {
  const app = await createApp({ env: { LOG_LEVEL: 'warn' } });
  await app.init();
  try {
    writeFileSync(SCHEMA_FILE, printCommittedSchema(app.get(GraphQLSchemaHost).schema));
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  } finally {
    await app.close();
  }
}

/**
 * Writes the local secrets that are missing. A missing master key is never made up beside a
 * database that holds data keys wrapped by one: they could not be unwrapped, and every encrypted
 * value would be lost. Then it refuses (exit 78) and says what to do.
 */
async function generateSecrets(dir: string | undefined): Promise<void> {
  if (!dir) usage();
  const url = databaseUrlOnly();
  if (url && !existsSync(join(dir, 'master.key'))) {
    const wrapped = await wrappedDataKeys(url);
    if (wrapped > 0) {
      process.stderr.write(
        `callwarden cli: refusing to create a new master key: ${join(dir, 'master.key')} is missing, but the database holds ${wrapped} data key(s) wrapped by a master key; restore that file (or set MASTER_KEY_FILE), or start over with an empty database (npm run db -- destroy)\n`,
      );
      process.exit(78);
    }
  }
  writeLocalSecrets(dir);
  process.stdout.write(`secrets in ${dir} (existing files kept)\n`);
}

/** How many wrapped data keys the database holds (0 before the first migration). */
async function wrappedDataKeys(url: string): Promise<number> {
  const connection = await createConnection({ uri: url });
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM crypto_keys');
    return Number(rows[0].n);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ER_NO_SUCH_TABLE') return 0;
    throw e;
  } finally {
    await connection.end();
  }
}

/**
 * Runs `work` against a fully initialised app (no HTTP listener). Background jobs stay off: the
 * command does its one job in the foreground, and the API processes own the rest.
 */
async function withApp<T>(work: (app: INestApplication) => Promise<T>): Promise<T> {
  const app = await createApp({ env: { LOG_LEVEL: 'warn', BACKGROUND_JOBS: 'off' } });
  await app.init();
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function progressLine(job: ReencryptionJobEntity, note?: string): string {
  const tables = tablesDone(job);
  return `${job.purpose}: ${note ?? `${job.status}, ${tables} table(s) done, scanned ${job.rowsScanned}/${job.rowsTotal}, re-encrypted ${job.rowsReencrypted}`}\n`;
}

/**
 * Rotation and re-encryption run to the end in this process and exit 0 with a summary. A job left
 * by a killed run is resumed (its owner's lease is taken over once that process is gone); progress
 * is printed at most once a second.
 */
async function reencrypt(args: string[], rotateFirst: boolean): Promise<void> {
  const purpose = args[0];
  if (!purpose || purpose.startsWith('--')) usage();
  const batchSize =
    flag(args, 'batch-size') === undefined ? undefined : Number(flag(args, 'batch-size'));
  if (
    batchSize !== undefined &&
    !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000)
  ) {
    throw new ConfigError('--batch-size must be an integer from 1 to 10000');
  }
  const started = Date.now();
  await withApp(async (app) => {
    const crypto = app.get(CryptoService);
    if (rotateFirst) {
      const { previous, current } = await crypto.rotateDataKeyWithoutJob(purpose, CLI_ACTOR);
      process.stdout.write(
        `rotated ${purpose}: v${previous.version} (key ${previous.id}) -> v${current.version} (key ${current.id})\n`,
      );
    }
    let printed = 0;
    const job = await crypto.runReencryption(purpose, {
      batchSize,
      waitForOwner: true,
      onProgress: (j, note) => {
        if (Date.now() - printed < 1000) return;
        printed = Date.now();
        process.stdout.write(progressLine(j, note));
      },
    });
    if (job.status !== ReencryptionStatus.Completed)
      throw new Error(`job ${job.id} is ${job.status}`);
    const tables = tablesDone(job);
    process.stdout.write(
      `${purpose}: completed job ${job.id}: ${tables} table(s), scanned ${job.rowsScanned} row(s), re-encrypted ${job.rowsReencrypted}, to key ${job.targetKeyId}, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  });
}

function keyId(arg: string | undefined): number {
  const id = Number(arg);
  if (!Number.isInteger(id) || id < 1) usage();
  return id;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function createAdmin(args: string[]): Promise<void> {
  const email = flag(args, 'email');
  const name = flag(args, 'name');
  if (!email || !name) usage();
  const passwordFile = flag(args, 'password-file');
  const generated = !passwordFile;
  const password = passwordFile
    ? readFileSync(passwordFile, 'utf8').trim()
    : randomBytes(18).toString('base64url');
  await withApp(async (app) => {
    const user = await app.get(DataSource).transaction(async (m) => {
      const created = await app
        .get(UsersService)
        .create({ email, displayName: name, role: 'admin', password }, m);
      await app.get(AuditService).record(
        {
          action: 'user.created',
          actor: CLI_ACTOR,
          resourceType: 'User',
          resourceId: created.id,
          changes: { after: { role: 'admin' } },
        },
        m,
      );
      return created;
    });
    process.stdout.write(`created admin ${user.id}\n`);
    if (generated) process.stdout.write(`one-time password (shown once, change it): ${password}\n`);
    process.stdout.write('the first sign-in asks to enroll MFA (TOTP)\n');
  });
}

async function seed(): Promise<void> {
  await withApp(async (app) => {
    const created = await seedDemo(app);
    process.stdout.write(
      created.length ? `seeded: ${created.join(', ')}\n` : 'demo data already present\n',
    );
    process.stdout.write(
      `demo users: ${DEMO_USERS.map((u) => u.email).join(', ')}; password: ${DEMO_PASSWORD}\n`,
    );
  });
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'migrate':
      return migrate(false);
    case 'migrate:revert':
      return migrate(true);
    case 'schema':
      return writeSchema();
    case 'secrets:generate':
      return generateSecrets(args[0]);
    case 'create-admin':
      return createAdmin(args);
    case 'seed':
      return seed();
    case 'crypto:rotate':
      return reencrypt(args, true);
    case 'crypto:reencrypt':
      return reencrypt(args, false);
    case 'crypto:retire':
      return withApp(async (app) => {
        const key = await app.get(CryptoService).scheduleKeyDestruction(keyId(args[0]), CLI_ACTOR);
        process.stdout.write(
          `retired ${key.purpose} v${key.version} (key ${key.id}): destroyed after ${key.destroyAfter?.toISOString()}; every use until then is an alert; cancel with crypto:cancel-destruction ${key.id}\n`,
        );
      });
    case 'crypto:cancel-destruction':
      return withApp(async (app) => {
        const key = await app.get(CryptoService).cancelKeyDestruction(keyId(args[0]), CLI_ACTOR);
        process.stdout.write(`kept ${key.purpose} v${key.version} (key ${key.id}): decrypt-only\n`);
      });
    case 'crypto:destroy-due':
      return withApp(async (app) => {
        const report = await app.get(CryptoService).destroyDueKeys(CLI_ACTOR);
        for (const k of report.destroyed)
          process.stdout.write(`destroyed ${k.purpose} v${k.version} (key ${k.id})\n`);
        for (const { key: k, use } of report.refused)
          process.stderr.write(
            `refused to destroy ${k.purpose} v${k.version} (key ${k.id}): ${use} still uses it; it is decrypt-only again\n`,
          );
        if (report.destroyed.length + report.refused.length === 0)
          process.stdout.write('no key is due for destruction\n');
        if (report.refused.length > 0) process.exitCode = 1;
      });
    case 'crypto:rewrap':
      return withApp(async (app) => {
        const n = await app.get(CryptoService).rewrapDataKeys(CLI_ACTOR);
        process.stdout.write(`re-wrapped ${n} data key(s) under the current master key\n`);
      });
    case 'retention:run':
      return withApp(async (app) => {
        if (args.includes('--dry-run')) {
          for (const r of await app.get(RetentionService).preview())
            process.stdout.write(
              `${r.rule}: ${r.removed} would be removed (kept ${r.days} days)\n`,
            );
          return;
        }
        const report = await app.get(RetentionService).run(CLI_ACTOR);
        for (const r of report.interruptedRuns)
          process.stdout.write(
            `closed run ${r.id} (started ${r.startedAt.toISOString()}) as interrupted: it died before finishing\n`,
          );
        process.stdout.write(`run ${report.runId}:\n`);
        for (const r of report.results)
          process.stdout.write(
            `${r.rule}: ${r.removed} removed${r.skipped ? `, ${r.skipped} skipped` : ''} (kept ${r.days} days)\n`,
          );
      });
    default:
      usage();
  }
}

// One line, no stack: a configuration refusal exits 78 (EX_CONFIG), any other failure 1.
main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  const reason = e instanceof AppException ? `${e.reason}: ` : '';
  process.stderr.write(`callwarden cli: ${reason}${message}\n`);
  process.exit(e instanceof ConfigError ? 78 : 1);
});
