import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

const READ_FIELDS = `'firstName','lastName','email','phone','addressLine','city','dateOfBirth',
          'ssn','accountRef','notes'`;

/**
 * Debts (issue #20 item 1): a customer's accounts placed by creditors, with the account reference
 * and balances encrypted (the reference also as a blind index), tasks naming the debt they are
 * about, bulk placement imports with their progress, and the read-access log able to name a debt's
 * balances.
 */
export class Debts1764101100000 implements MigrationInterface {
  name = 'Debts1764101100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE debts (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        placement_ref VARCHAR(100) NOT NULL,
        creditor VARCHAR(200) NOT NULL,
        account_ref_enc VARBINARY(256) NULL,
        account_ref_bidx BINARY(32) NULL,
        account_ref_masked VARCHAR(16) NULL,
        original_balance_enc VARBINARY(128) NULL,
        current_balance_enc VARBINARY(128) NULL,
        status ENUM('active','disputed','paid','settled','closed','recalled') NOT NULL DEFAULT 'active',
        placed_at DATE NOT NULL,
        validation_notice_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY ux_debts_placement (placement_ref),
        KEY ix_debts_customer (customer_id, status),
        KEY ix_debts_account (account_ref_bidx),
        CONSTRAINT fk_debts_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
    await runner.query(`
      CREATE TABLE placement_imports (
        id CHAR(36) NOT NULL PRIMARY KEY,
        status ENUM('validating','writing','completed','rejected','failed') NOT NULL,
        rows_total INT UNSIGNED NOT NULL DEFAULT 0,
        rows_done INT UNSIGNED NOT NULL DEFAULT 0,
        error_count INT UNSIGNED NOT NULL DEFAULT 0,
        errors JSON NULL,
        customers_created INT UNSIGNED NOT NULL DEFAULT 0,
        debts_created INT UNSIGNED NOT NULL DEFAULT 0,
        debts_updated INT UNSIGNED NOT NULL DEFAULT 0,
        debts_unchanged INT UNSIGNED NOT NULL DEFAULT 0,
        bytes INT UNSIGNED NOT NULL DEFAULT 0,
        created_by VARCHAR(64) NOT NULL,
        started_at DATETIME(3) NOT NULL,
        validated_at DATETIME(3) NULL,
        finished_at DATETIME(3) NULL,
        KEY ix_placement_imports_creator (created_by, started_at)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
    await runner.query(
      'ALTER TABLE tasks ADD COLUMN debt_id CHAR(36) NULL AFTER customer_id, ADD KEY ix_tasks_debt (debt_id, status)',
    );
    // Appended at the end of the SET: the bits of the existing members do not move.
    await runner.query(`ALTER TABLE customer_read_access MODIFY pii_fields
        SET(${READ_FIELDS},'originalBalance','currentBalance') NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE customer_read_access MODIFY pii_fields SET(${READ_FIELDS}) NOT NULL`,
    );
    await runner.query('ALTER TABLE tasks DROP KEY ix_tasks_debt, DROP COLUMN debt_id');
    await runner.query('DROP TABLE placement_imports');
    await runner.query('DROP TABLE debts');
  }
}
