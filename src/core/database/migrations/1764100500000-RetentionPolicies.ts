import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Retention policies as data (issue #19): an admin's setting per purge rule. A rule without a row
 * keeps its configured default (RETENTION_*_DAYS).
 */
export class RetentionPolicies1764100500000 implements MigrationInterface {
  name = 'RetentionPolicies1764100500000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE retention_policies (
        rule VARCHAR(64) NOT NULL PRIMARY KEY,
        days INT UNSIGNED NOT NULL,
        enabled BOOLEAN NOT NULL,
        legal_basis VARCHAR(300) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        updated_by VARCHAR(64) NOT NULL
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE retention_policies');
  }
}
