import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../config/app-config.service';
import { ConfigError } from '../config/environment';

export interface TableEncryption {
  table: string;
  encrypted: boolean;
  keyId: number | null;
}

export interface TdeStatus {
  server: 'mariadb' | 'mysql';
  /** Server settings that make logs, temporary files and new tables encrypted too. */
  settings: Record<string, string>;
  tables: TableEncryption[];
  /** True when every table of our schema is encrypted and redo-log encryption is on. */
  ok: boolean;
}

const MARIADB_SETTINGS = [
  'innodb_encrypt_tables',
  'innodb_encrypt_log',
  'innodb_encrypt_temporary_tables',
  'encrypt_tmp_disk_tables',
  'encrypt_tmp_files',
  'aria_encrypt_tables',
];

/** Reads encryption at rest (TDE) from the server itself, and enforces it at boot where required. */
/**
 * A table's InnoDB tablespaces: its own, or one per partition (`schema/table#P#part`; MySQL writes
 * `#p#`): a partitioned table is encrypted only if every partition is (contact_attempts is
 * partitioned by month).
 */
const TABLESPACES_OF_TABLE = `ON (e.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
  OR LOWER(LEFT(e.NAME, LENGTH(t.TABLE_SCHEMA) + LENGTH(t.TABLE_NAME) + 4))
     = LOWER(CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME, '#p#')))`;

@Injectable()
export class TdeStatusService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TdeStatusService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const status = await this.status();
    const plain = status.tables.filter((t) => !t.encrypted).map((t) => t.table);
    if (status.ok) return;
    const what = plain.length
      ? `tables not encrypted at rest: ${plain.join(', ')}`
      : 'redo log encryption is off';
    if (this.config.get('REQUIRE_TDE')) {
      // A configuration refusal: the process exits 78 (EX_CONFIG) with this one line.
      throw new ConfigError(`Refusing to start: ${what}`);
    }
    this.logger.warn(`Encryption at rest incomplete (${what}); REQUIRE_TDE is off`);
  }

  async status(): Promise<TdeStatus> {
    const version: { v: string }[] = await this.dataSource.query('SELECT VERSION() AS v');
    const mariadb = /mariadb/i.test(version[0]?.v ?? '');
    return mariadb ? this.mariadbStatus() : this.mysqlStatus();
  }

  private async mariadbStatus(): Promise<TdeStatus> {
    const vars: { Variable_name: string; Value: string }[] = await this.dataSource.query(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${MARIADB_SETTINGS.map(() => '?').join(',')})`,
      MARIADB_SETTINGS,
    );
    const settings = Object.fromEntries(vars.map((v) => [v.Variable_name, v.Value]));
    const rows: {
      table_name: string;
      scheme: number | string | null;
      key_id: number | string | null;
    }[] = await this.dataSource.query(`
        SELECT t.TABLE_NAME AS table_name,
               MIN(COALESCE(e.ENCRYPTION_SCHEME, 0)) AS scheme, MIN(e.CURRENT_KEY_ID) AS key_id
          FROM information_schema.TABLES t
          LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ${TABLESPACES_OF_TABLE}
         WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
         GROUP BY t.TABLE_NAME
         ORDER BY t.TABLE_NAME`);
    const tables = rows.map((r) => ({
      table: r.table_name,
      encrypted: Number(r.scheme) === 1,
      keyId: r.key_id === null ? null : Number(r.key_id),
    }));
    const ok = tables.every((t) => t.encrypted) && settings.innodb_encrypt_log === 'ON';
    return { server: 'mariadb', settings, tables, ok };
  }

  private async mysqlStatus(): Promise<TdeStatus> {
    const rows: { table_name: string; encryption: string | null }[] = await this.dataSource.query(`
      SELECT t.TABLE_NAME AS table_name, MIN(COALESCE(s.ENCRYPTION, 'N')) AS encryption
        FROM information_schema.TABLES t
        LEFT JOIN information_schema.INNODB_TABLESPACES s ${TABLESPACES_OF_TABLE.replace(/\be\./g, 's.')}
       WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
       GROUP BY t.TABLE_NAME
       ORDER BY t.TABLE_NAME`);
    const vars: { Variable_name: string; Value: string }[] = await this.dataSource.query(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_redo_log_encrypt', 'default_table_encryption')",
    );
    const settings = Object.fromEntries(vars.map((v) => [v.Variable_name, v.Value]));
    const tables = rows.map((r) => ({
      table: r.table_name,
      encrypted: r.encryption === 'Y',
      keyId: null,
    }));
    const ok = tables.every((t) => t.encrypted) && settings.innodb_redo_log_encrypt === 'ON';
    return { server: 'mysql', settings, tables, ok };
  }
}
