import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Contact-law correctness II: the phone's own candidate zones beside its ciphertext (no finer than
 * the time zone), cease-communication requests per debt (Reg F 1006.6(c)), and refusal counts split
 * into law and house policy.
 */
export class ContactLawII1764001100000 implements MigrationInterface {
  name = 'ContactLawII1764001100000';

  async up(runner: QueryRunner): Promise<void> {
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(
      'ALTER TABLE customers ADD COLUMN phone_zones VARCHAR(160) NULL AFTER phone_region',
    );
    await runner.query(
      "ALTER TABLE compliance_refusals ADD COLUMN kind ENUM('law','house') NOT NULL DEFAULT 'law' AFTER rule",
    );
    await runner.query(`
      CREATE TABLE cease_requests (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        debt_id VARCHAR(64) NULL,
        kind ENUM('refusal_to_pay','cease_communication') NOT NULL,
        received_via ENUM('mail','email','electronic','fax','in_person') NOT NULL,
        received_at DATETIME(3) NOT NULL,
        recorded_by VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_cease_customer (customer_id, received_at)
      ) ${plain}`);
    // A consumer's written request is a record: corrected by a new one, never overwritten.
    await runner.query(`CREATE TRIGGER cease_requests_no_update BEFORE UPDATE ON cease_requests
      FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'cease_requests is append-only'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TRIGGER IF EXISTS cease_requests_no_update');
    await runner.query('DROP TABLE cease_requests');
    await runner.query('ALTER TABLE compliance_refusals DROP COLUMN kind');
    await runner.query('ALTER TABLE customers DROP COLUMN phone_zones');
  }
}
