import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Settings: small admin-editable documents (rule sets, sender settings); may hold secrets. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE app_settings (
        \`key\` VARCHAR(100) NOT NULL PRIMARY KEY,
        value JSON NOT NULL,
        version INT UNSIGNED NOT NULL DEFAULT 1,
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        updated_by VARCHAR(64) NULL
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE app_settings');
  }
}
