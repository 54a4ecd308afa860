import type { QueryRunner } from 'typeorm';
import { encryptedTableOptionsFor, sqlDialectOf } from './dialect';

/** Key ids of the server's key management plugin (scripts/db.sh writes 1-3; MariaDB only). */
export enum TdeKey {
  Default = 1,
  PersonalData = 2,
  Audit = 3,
}

/**
 * The CREATE TABLE suffix that makes a table encrypted at rest, in the server's own dialect
 * (asked once per data source, through the migration's runner).
 */
export async function encryptedTableOptions(runner: QueryRunner, key: TdeKey): Promise<string> {
  return encryptedTableOptionsFor(await sqlDialectOf(runner.connection, runner), key);
}
