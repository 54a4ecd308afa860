import type { QueryRunner } from 'typeorm';

/** Key ids of the server's key management plugin (scripts/db.sh writes 1-3). */
export enum TdeKey {
  Default = 1,
  PersonalData = 2,
  Audit = 3,
}

/** True on MariaDB, false on MySQL: the two spell table encryption differently. */
export async function isMariaDb(runner: QueryRunner): Promise<boolean> {
  const rows = (await runner.query('SELECT VERSION() AS v')) as { v: string }[];
  return /mariadb/i.test(rows[0]?.v ?? '');
}

/** The CREATE TABLE suffix that makes a table encrypted at rest, in the server's own dialect. */
export async function encryptedTableOptions(runner: QueryRunner, key: TdeKey): Promise<string> {
  const base = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
  return (await isMariaDb(runner))
    ? `${base} ENCRYPTED=YES ENCRYPTION_KEY_ID=${key}`
    : `${base} ENCRYPTION='Y'`;
}
