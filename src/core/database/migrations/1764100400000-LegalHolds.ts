import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Legal holds (issue #19): a hold blocks the erasure and the purge of what it covers. */
export class LegalHolds1764100400000 implements MigrationInterface {
  name = 'LegalHolds1764100400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE legal_holds (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        debt_ref VARCHAR(64) NULL,
        reason ENUM('litigation','dispute','regulator_request','reg_f_record_keeping') NOT NULL,
        note TEXT NOT NULL,
        placed_by VARCHAR(64) NOT NULL,
        placed_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NULL,
        released_at DATETIME(3) NULL,
        released_by VARCHAR(64) NULL,
        KEY ix_legal_holds_customer (customer_id, released_at)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE legal_holds');
  }
}
