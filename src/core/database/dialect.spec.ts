import type { DataSource } from 'typeorm';
import {
  dialectOfVersion,
  encryptedTableOptionsFor,
  MariaDbTableRow,
  MySqlTableRow,
  Queryable,
  sqlDialectOf,
  tableEncryptionQuery,
  tdeSettingsQuery,
  tdeStatusOf,
  VariableRow,
} from './dialect';

/** Whitespace is not part of a statement's meaning. */
const squeeze = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** A server that answers SELECT VERSION() with `version` and counts the questions. */
function server(version: string | Error) {
  const query = jest.fn((sql: string) => {
    expect(sql).toBe('SELECT VERSION() AS v');
    return version instanceof Error ? Promise.reject(version) : Promise.resolve([{ v: version }]);
  });
  return { query, dataSource: { query } as unknown as DataSource };
}

const vars = (values: Record<string, string>): VariableRow[] =>
  Object.entries(values).map(([Variable_name, Value]) => ({ Variable_name, Value }));

describe('dialect detection', () => {
  it.each([
    ['10.11.14-MariaDB-0+deb12u2', 'mariadb'], // Debian 12's package
    ['10.11.19-MariaDB-0+deb12u1', 'mariadb'], // what scripts/db.sh runs here
    ['11.4.5-MariaDB-log', 'mariadb'],
    ['8.4.3', 'mysql'], // MySQL Community
    ['8.4.3-commercial', 'mysql'], // MySQL Enterprise
    ['8.4.3-3', 'mysql'], // Percona Server speaks MySQL's dialect
  ] as const)('reads %s as %s', (version, dialect) => {
    expect(dialectOfVersion(version)).toBe(dialect);
  });

  it('asks a data source once, however often and however concurrently it is asked', async () => {
    const { query, dataSource } = server('10.11.14-MariaDB-0+deb12u2');
    const answers = await Promise.all([sqlDialectOf(dataSource), sqlDialectOf(dataSource)]);
    expect(answers).toEqual(['mariadb', 'mariadb']);
    await expect(sqlDialectOf(dataSource)).resolves.toBe('mariadb');
    expect(query).toHaveBeenCalledTimes(1);
  });

  it("asks through a migration's runner when given one, and remembers it for the data source", async () => {
    const { query, dataSource } = server('unused');
    const runner: Queryable = { query: jest.fn(() => Promise.resolve([{ v: '8.4.3' }])) };
    await expect(sqlDialectOf(dataSource, runner)).resolves.toBe('mysql');
    await expect(sqlDialectOf(dataSource)).resolves.toBe('mysql');
    expect(runner.query).toHaveBeenCalledTimes(1);
    expect(query).not.toHaveBeenCalled();
  });

  it('asks each data source for itself', async () => {
    const maria = server('10.11.14-MariaDB-0+deb12u2');
    const mysql = server('8.4.3');
    await expect(sqlDialectOf(maria.dataSource)).resolves.toBe('mariadb');
    await expect(sqlDialectOf(mysql.dataSource)).resolves.toBe('mysql');
  });

  it('asks again after a failed question instead of remembering the failure', async () => {
    const dataSource = {} as DataSource;
    const down: Queryable = { query: () => Promise.reject(new Error('ECONNREFUSED')) };
    await expect(sqlDialectOf(dataSource, down)).rejects.toThrow('ECONNREFUSED');
    const up: Queryable = { query: () => Promise.resolve([{ v: '8.4.3' }]) };
    await expect(sqlDialectOf(dataSource, up)).resolves.toBe('mysql');
  });
});

describe('encrypted table options', () => {
  it.each([1, 2, 3])('names the key on MariaDB (key %i), byte for byte as before', (key) => {
    expect(encryptedTableOptionsFor('mariadb', key)).toBe(
      `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ENCRYPTED=YES ENCRYPTION_KEY_ID=${key}`,
    );
  });

  it.each([1, 2, 3])("is ENCRYPTION='Y' on MySQL, which has no key per table (key %i)", (key) => {
    expect(encryptedTableOptionsFor('mysql', key)).toBe(
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ENCRYPTION='Y'",
    );
  });
});

describe('encryption status queries', () => {
  it("reads MariaDB's encryption settings as before", () => {
    expect(tdeSettingsQuery('mariadb')).toEqual({
      sql: 'SHOW GLOBAL VARIABLES WHERE Variable_name IN (?,?,?,?,?,?)',
      params: [
        'innodb_encrypt_tables',
        'innodb_encrypt_log',
        'innodb_encrypt_temporary_tables',
        'encrypt_tmp_disk_tables',
        'encrypt_tmp_files',
        'aria_encrypt_tables',
      ],
    });
  });

  it("reads MySQL's: table defaults, redo and undo log, binary log", () => {
    expect(tdeSettingsQuery('mysql')).toEqual({
      sql: 'SHOW GLOBAL VARIABLES WHERE Variable_name IN (?,?,?,?,?)',
      params: [
        'default_table_encryption',
        'table_encryption_privilege_check',
        'innodb_redo_log_encrypt',
        'innodb_undo_log_encrypt',
        'binlog_encryption',
      ],
    });
  });

  it('asks MariaDB the question the service asked before this file existed (whitespace aside)', () => {
    expect(squeeze(tableEncryptionQuery('mariadb'))).toBe(
      squeeze(`SELECT t.TABLE_NAME AS table_name,
               MIN(COALESCE(e.ENCRYPTION_SCHEME, 0)) AS scheme, MIN(e.CURRENT_KEY_ID) AS key_id
          FROM information_schema.TABLES t
          LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ON (e.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
  OR LOWER(LEFT(e.NAME, LENGTH(t.TABLE_SCHEMA) + LENGTH(t.TABLE_NAME) + 4))
     = LOWER(CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME, '#p#')))
         WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
         GROUP BY t.TABLE_NAME
         ORDER BY t.TABLE_NAME`),
    );
  });

  it("asks MySQL for each table's CREATE_OPTIONS and its tablespaces' ENCRYPTION flags", () => {
    const sql = squeeze(tableEncryptionQuery('mysql'));
    expect(sql).toContain('t.CREATE_OPTIONS AS create_options');
    expect(sql).toContain("SUM(s.ENCRYPTION <> 'Y') AS plain_spaces");
    expect(sql).toContain('LEFT JOIN information_schema.INNODB_TABLESPACES s ON');
    // The table's own tablespace, or one per partition (MySQL names them `schema/table#p#part`).
    expect(sql).toContain("s.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)");
    expect(sql).toContain("= LOWER(CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME, '#p#'))");
    expect(sql).toContain(
      "WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' GROUP BY t.TABLE_NAME, t.CREATE_OPTIONS",
    );
    // Nothing MariaDB-only, and every selected column grouped or aggregated (ONLY_FULL_GROUP_BY).
    expect(sql).not.toMatch(/INNODB_TABLESPACES_ENCRYPTION|ENCRYPTION_SCHEME|\be\./);
  });
});

describe('the verdict from MariaDB rows (as mysql2 returns them: the scheme a BIGINT string)', () => {
  const on = vars({
    aria_encrypt_tables: 'ON',
    encrypt_tmp_disk_tables: 'ON',
    encrypt_tmp_files: 'ON',
    innodb_encrypt_log: 'ON',
    innodb_encrypt_tables: 'ON',
    innodb_encrypt_temporary_tables: 'ON',
  });
  const encrypted: MariaDbTableRow[] = [
    { table_name: 'audit_events', scheme: '1', key_id: 3 },
    { table_name: 'contact_attempts', scheme: '1', key_id: 1 },
    { table_name: 'customers', scheme: '1', key_id: 2 },
  ];

  it('is ok when every table is encrypted and so is the redo log', () => {
    expect(tdeStatusOf('mariadb', on, encrypted)).toEqual({
      server: 'mariadb',
      settings: Object.fromEntries(on.map((v) => [v.Variable_name, v.Value])),
      tables: [
        { table: 'audit_events', encrypted: true, keyId: 3 },
        { table: 'contact_attempts', encrypted: true, keyId: 1 },
        { table: 'customers', encrypted: true, keyId: 2 },
      ],
      redoLog: 'ON',
      logsOff: [],
      ok: true,
    });
  });

  it('names a table created ENCRYPTED=NO (scheme 0) and one with no tablespace row', () => {
    const status = tdeStatusOf('mariadb', on, [
      ...encrypted,
      { table_name: 'tde_probe_plain', scheme: '0', key_id: 1 },
      { table_name: 'tde_probe_missing', scheme: '0', key_id: null },
    ]);
    expect(status.ok).toBe(false);
    expect(status.tables.filter((t) => !t.encrypted)).toEqual([
      { table: 'tde_probe_plain', encrypted: false, keyId: 1 },
      { table: 'tde_probe_missing', encrypted: false, keyId: null },
    ]);
  });

  it('is not ok with the redo log in clear, and says so', () => {
    const status = tdeStatusOf(
      'mariadb',
      on.map((v) => (v.Variable_name === 'innodb_encrypt_log' ? { ...v, Value: 'OFF' } : v)),
      encrypted,
    );
    expect(status).toMatchObject({ ok: false, redoLog: 'OFF', logsOff: ['redo log'] });
  });

  it('does not need the undo log setting MariaDB does not have', () => {
    expect(tdeStatusOf('mariadb', on, encrypted).settings).not.toHaveProperty(
      'innodb_undo_log_encrypt',
    );
  });
});

describe('the verdict from MySQL rows (CREATE_OPTIONS as the dictionary prints it, SUM a DECIMAL string)', () => {
  const on = vars({
    binlog_encryption: 'ON',
    default_table_encryption: 'ON',
    innodb_redo_log_encrypt: 'ON',
    innodb_undo_log_encrypt: 'ON',
    table_encryption_privilege_check: 'ON',
  });
  const encrypted: MySqlTableRow[] = [
    { table_name: 'app_settings', create_options: "ENCRYPTION='Y'", plain_spaces: '0' },
    // Partitioned: the option is the table's, and every partition's tablespace must agree.
    {
      table_name: 'contact_attempts',
      create_options: "ENCRYPTION='Y' partitioned",
      plain_spaces: '0',
    },
    // Written as given: ENCRYPTION='y' stays lower case.
    { table_name: 'customers', create_options: "ENCRYPTION='y'", plain_spaces: '0' },
    { table_name: 'roles', create_options: "row_format=DYNAMIC ENCRYPTION='Y'", plain_spaces: '0' },
  ];

  it('is ok when every table is encrypted and so are the redo and undo logs', () => {
    expect(tdeStatusOf('mysql', on, encrypted)).toEqual({
      server: 'mysql',
      settings: Object.fromEntries(on.map((v) => [v.Variable_name, v.Value])),
      tables: encrypted.map((r) => ({ table: r.table_name, encrypted: true, keyId: null })),
      redoLog: 'ON',
      logsOff: [],
      ok: true,
    });
  });

  it.each<[string, MySqlTableRow]>([
    ['a plain table in a plain schema', { table_name: 't', create_options: '', plain_spaces: '1' }],
    [
      "ENCRYPTION='N' in an encrypted schema",
      { table_name: 't', create_options: "ENCRYPTION='N'", plain_spaces: '1' },
    ],
    [
      'a partitioned table with one partition in clear',
      { table_name: 't', create_options: "ENCRYPTION='Y' partitioned", plain_spaces: '1' },
    ],
    [
      'a dictionary saying Y over a tablespace saying N',
      { table_name: 't', create_options: "ENCRYPTION='Y'", plain_spaces: '1' },
    ],
    ['no options at all (NULL)', { table_name: 't', create_options: null, plain_spaces: null }],
  ])('counts %s as not encrypted', (_, row) => {
    const status = tdeStatusOf('mysql', on, [...encrypted, row]);
    expect(status.ok).toBe(false);
    expect(status.tables.filter((t) => !t.encrypted)).toEqual([
      { table: 't', encrypted: false, keyId: null },
    ]);
  });

  it('takes the dictionary at its word for a table without a tablespace of its own', () => {
    // A table in a general tablespace: no `schema/table` tablespace to join, SUM over nothing.
    const status = tdeStatusOf('mysql', on, [
      { table_name: 'in_general_space', create_options: "ENCRYPTION='Y'", plain_spaces: null },
    ]);
    expect(status.tables).toEqual([{ table: 'in_general_space', encrypted: true, keyId: null }]);
  });

  it.each([
    ['innodb_redo_log_encrypt', ['redo log']],
    ['innodb_undo_log_encrypt', ['undo log']],
  ])('is not ok with %s OFF', (setting, logsOff) => {
    const status = tdeStatusOf(
      'mysql',
      on.map((v) => (v.Variable_name === setting ? { ...v, Value: 'OFF' } : v)),
      encrypted,
    );
    expect(status).toMatchObject({ ok: false, logsOff });
  });

  it("reads MySQL's redo log setting as the redo log, and a missing one as unknown", () => {
    expect(tdeStatusOf('mysql', on, encrypted).redoLog).toBe('ON');
    const status = tdeStatusOf('mysql', [], encrypted);
    expect(status).toMatchObject({ redoLog: null, ok: false, logsOff: ['redo log', 'undo log'] });
  });

  it("ignores MariaDB's settings on MySQL", () => {
    const status = tdeStatusOf('mysql', vars({ innodb_encrypt_log: 'ON' }), encrypted);
    expect(status).toMatchObject({ redoLog: null, ok: false });
  });
});
