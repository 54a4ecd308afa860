import type { DataSource } from 'typeorm';

/**
 * The servers our SQL is written for: MariaDB (10.11, what we run and test on) and MySQL (8.4 LTS).
 * Every statement is one text for both except those built here; the README's "MySQL 8.4" section
 * lists them. MySQL is not run here: its branches are unit-tested on the SQL they build.
 */
export type SqlDialect = 'mariadb' | 'mysql';

/** Anything that runs a statement: a DataSource, an EntityManager or a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The dialect of a `SELECT VERSION()`: MariaDB names itself ("10.11.14-MariaDB-0+deb12u2"); MySQL
 * does not ("8.4.3", "8.4.3-commercial"), nor do the servers that speak its dialect.
 */
export function dialectOfVersion(version: string): SqlDialect {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

const detected = new WeakMap<DataSource, Promise<SqlDialect>>();

/**
 * The server's dialect, asked once per data source (a failed asking is asked again). TypeORM cannot
 * tell us: its driver keeps only the number of the version (MysqlQueryRunner.getVersion drops the
 * "-MariaDB" suffix) and the data source's `type` is our configuration, not the server. `via` runs
 * the question (a migration's runner, inside its transaction); by default the data source itself.
 */
export function sqlDialectOf(
  dataSource: DataSource,
  via: Queryable = dataSource,
): Promise<SqlDialect> {
  const known = detected.get(dataSource);
  if (known) return known;
  const asked = via
    .query('SELECT VERSION() AS v')
    .then((rows) => dialectOfVersion((rows as { v?: string | null }[])[0]?.v ?? ''));
  detected.set(dataSource, asked);
  void asked.catch(() => {
    if (detected.get(dataSource) === asked) detected.delete(dataSource);
  });
  return asked;
}

/**
 * The CREATE TABLE suffix that makes a table encrypted at rest. MariaDB names the key (its key
 * management plugin holds several: TdeKey); MySQL has one master key in its keyring and a key per
 * tablespace, so the key id has no MySQL counterpart.
 */
export function encryptedTableOptionsFor(dialect: SqlDialect, keyId: number): string {
  const base = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
  switch (dialect) {
    case 'mariadb':
      return `${base} ENCRYPTED=YES ENCRYPTION_KEY_ID=${keyId}`;
    case 'mysql':
      return `${base} ENCRYPTION='Y'`;
  }
}

// ---- Encryption at rest (TdeStatusService) -------------------------------------------------------

export interface TableEncryption {
  table: string;
  encrypted: boolean;
  /** The key management plugin's key id (MariaDB); null on MySQL, which has none per table. */
  keyId: number | null;
}

export interface TdeStatus {
  server: SqlDialect;
  /** Server settings that make logs, temporary files and new tables encrypted too. */
  settings: Record<string, string>;
  tables: TableEncryption[];
  /** The server's redo log encryption setting as it reads, null when the server has none. */
  redoLog: string | null;
  /** The logs that must be encrypted and are not ('redo log'; on MySQL also 'undo log'). */
  logsOff: string[];
  /** True when every table of our schema is encrypted and `logsOff` is empty. */
  ok: boolean;
}

/** A row of SHOW GLOBAL VARIABLES. */
export interface VariableRow {
  Variable_name: string;
  Value: string;
}

/** A row of the MariaDB table query: the lowest scheme and key id over the table's tablespaces. */
export interface MariaDbTableRow {
  table_name: string;
  scheme: number | string | null;
  key_id: number | string | null;
}

/**
 * A row of the MySQL table query: the table's options as the data dictionary records them, and
 * how many of its own tablespaces are not encrypted (NULL when it has none of its own).
 */
export interface MySqlTableRow {
  table_name: string;
  create_options: string | null;
  plain_spaces: number | string | null;
}

/** Settings read and reported; the ones named in LOGS below also decide the verdict. */
const SETTINGS: Record<SqlDialect, readonly string[]> = {
  mariadb: [
    'innodb_encrypt_tables',
    'innodb_encrypt_log',
    'innodb_encrypt_temporary_tables',
    'encrypt_tmp_disk_tables',
    'encrypt_tmp_files',
    'aria_encrypt_tables',
  ],
  mysql: [
    'default_table_encryption',
    'table_encryption_privilege_check',
    'innodb_redo_log_encrypt',
    'innodb_undo_log_encrypt',
    'binlog_encryption',
  ],
};

/**
 * The logs that hold row data outside the tables and must be encrypted: the redo log on both
 * (MariaDB's verdict is what it always was); on MySQL also the undo log, whose tablespaces no
 * table option covers.
 */
const LOGS: Record<SqlDialect, Record<string, string>> = {
  mariadb: { innodb_encrypt_log: 'redo log' },
  mysql: { innodb_redo_log_encrypt: 'redo log', innodb_undo_log_encrypt: 'undo log' },
};

const REDO_LOG: Record<SqlDialect, string> = {
  mariadb: 'innodb_encrypt_log',
  mysql: 'innodb_redo_log_encrypt',
};

/** The encryption settings to read, as a SHOW GLOBAL VARIABLES with its parameters. */
export function tdeSettingsQuery(dialect: SqlDialect): { sql: string; params: string[] } {
  const names = [...SETTINGS[dialect]];
  return {
    sql: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`,
    params: names,
  };
}

/**
 * A table's InnoDB tablespaces: its own, or one per partition (`schema/table#P#part`; MySQL writes
 * `#p#`): a partitioned table is encrypted only if every partition is (contact_attempts is
 * partitioned by month).
 */
function tablespacesOfTable(alias: string): string {
  return `ON (${alias}.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
  OR LOWER(LEFT(${alias}.NAME, LENGTH(t.TABLE_SCHEMA) + LENGTH(t.TABLE_NAME) + 4))
     = LOWER(CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME, '#p#')))`;
}

/**
 * Every base table of the current schema with its encryption. MariaDB: the tablespaces' scheme in
 * INNODB_TABLESPACES_ENCRYPTION (1 encrypted, 0 or no row not). MySQL: the table's CREATE_OPTIONS
 * (`ENCRYPTION='Y'`, as the data dictionary records it, for a partitioned table too) and the
 * ENCRYPTION flag of each of its tablespaces in INNODB_TABLESPACES.
 */
export function tableEncryptionQuery(dialect: SqlDialect): string {
  switch (dialect) {
    case 'mariadb':
      return `
SELECT t.TABLE_NAME AS table_name,
       MIN(COALESCE(e.ENCRYPTION_SCHEME, 0)) AS scheme, MIN(e.CURRENT_KEY_ID) AS key_id
  FROM information_schema.TABLES t
  LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ${tablespacesOfTable('e')}
 WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
 GROUP BY t.TABLE_NAME
 ORDER BY t.TABLE_NAME`;
    case 'mysql':
      return `
SELECT t.TABLE_NAME AS table_name, t.CREATE_OPTIONS AS create_options,
       SUM(s.ENCRYPTION <> 'Y') AS plain_spaces
  FROM information_schema.TABLES t
  LEFT JOIN information_schema.INNODB_TABLESPACES s ${tablespacesOfTable('s')}
 WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
 GROUP BY t.TABLE_NAME, t.CREATE_OPTIONS
 ORDER BY t.TABLE_NAME`;
  }
}

/** MySQL prints the option as given (`ENCRYPTION='y'` too), after other options or first. */
const MYSQL_ENCRYPTED = /(^|\s)ENCRYPTION='Y'/i;

/** The tables as each server's rows describe them. */
export function tableEncryptionOf(
  dialect: SqlDialect,
  rows: readonly (MariaDbTableRow | MySqlTableRow)[],
): TableEncryption[] {
  switch (dialect) {
    case 'mariadb':
      return (rows as readonly MariaDbTableRow[]).map((r) => ({
        table: r.table_name,
        encrypted: Number(r.scheme) === 1,
        keyId: r.key_id === null ? null : Number(r.key_id),
      }));
    case 'mysql':
      // Encrypted when the dictionary says so and none of its own tablespaces says otherwise.
      return (rows as readonly MySqlTableRow[]).map((r) => ({
        table: r.table_name,
        encrypted:
          MYSQL_ENCRYPTED.test(r.create_options ?? '') && Number(r.plain_spaces ?? 0) === 0,
        keyId: null,
      }));
  }
}

/** The verdict: every table encrypted and every log that must be, from the rows the server gave. */
export function tdeStatusOf(
  dialect: SqlDialect,
  variables: readonly VariableRow[],
  rows: readonly (MariaDbTableRow | MySqlTableRow)[],
): TdeStatus {
  const settings = Object.fromEntries(variables.map((v) => [v.Variable_name, v.Value]));
  const tables = tableEncryptionOf(dialect, rows);
  const logsOff = Object.entries(LOGS[dialect])
    .filter(([name]) => settings[name] !== 'ON')
    .map(([, log]) => log);
  return {
    server: dialect,
    settings,
    tables,
    redoLog: settings[REDO_LOG[dialect]] ?? null,
    logsOff,
    ok: tables.every((t) => t.encrypted) && logsOff.length === 0,
  };
}
