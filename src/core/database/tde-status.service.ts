import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../config/app-config.service';
import { ConfigError } from '../config/environment';
import {
  MariaDbTableRow,
  MySqlTableRow,
  sqlDialectOf,
  tableEncryptionQuery,
  tdeSettingsQuery,
  TdeStatus,
  tdeStatusOf,
  VariableRow,
} from './dialect';

export type { TableEncryption, TdeStatus } from './dialect';

/** Reads encryption at rest (TDE) from the server itself, and enforces it at boot where required. */
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
      : `${status.logsOff.join(' and ')} encryption is off`;
    if (this.config.get('REQUIRE_TDE')) {
      // A configuration refusal: the process exits 78 (EX_CONFIG) with this one line.
      throw new ConfigError(`Refusing to start: ${what}`);
    }
    this.logger.warn(`Encryption at rest incomplete (${what}); REQUIRE_TDE is off`);
  }

  /** The server's own account of it, in its dialect (src/core/database/dialect.ts). */
  async status(): Promise<TdeStatus> {
    const dialect = await sqlDialectOf(this.dataSource);
    const settings = tdeSettingsQuery(dialect);
    const variables = await this.dataSource.query<VariableRow[]>(settings.sql, settings.params);
    const tables = await this.dataSource.query<(MariaDbTableRow | MySqlTableRow)[]>(
      tableEncryptionQuery(dialect),
    );
    return tdeStatusOf(dialect, variables, tables);
  }
}
