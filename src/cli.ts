import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { createApp } from './app.factory';
import { ConfigError, loadEnvironment } from './core/config/environment';
import { createDataSource } from './core/database/data-source';
import { printCommittedSchema } from './core/graphql/print-schema';

const SCHEMA_FILE = resolve(__dirname, '..', 'schema.graphql');

function usage(): never {
  process.stderr.write(
    [
      'usage: npm run cli -- <command>',
      '  migrate             apply pending migrations',
      '  migrate:revert      revert the last migration',
      '  schema              write schema.graphql from the code',
      '  secrets:generate D  write a new master key and JWT signing key into directory D (mode 600)',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

async function migrate(revert: boolean): Promise<void> {
  const dataSource = createDataSource(loadEnvironment());
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

function generateSecrets(dir: string | undefined): void {
  if (!dir) usage();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const masterKey = join(dir, 'master.key');
  if (!existsSync(masterKey)) {
    writeFileSync(masterKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  const jwtKey = join(dir, 'jwt-signing.pem');
  if (!existsSync(jwtKey)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(jwtKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  process.stdout.write(`secrets in ${dir} (existing files kept)\n`);
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
    default:
      usage();
  }
}

main().catch((e: unknown) => {
  const message = e instanceof ConfigError || e instanceof Error ? e.message : String(e);
  process.stderr.write(`callwarden cli: ${message}\n`);
  process.exit(1);
});
