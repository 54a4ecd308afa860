import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Extensions of data subject requests (issue #19): GDPR Art. 12(3) by two further months, CCPA
 * 1798.130(a)(2) by 45 days, once, with a reason and a notice to the subject.
 */
export class RequestExtensions1764100600000 implements MigrationInterface {
  name = 'RequestExtensions1764100600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE data_subject_requests
        ADD COLUMN original_due_at DATETIME(3) NULL,
        ADD COLUMN extended_at DATETIME(3) NULL,
        ADD COLUMN extension_reason VARCHAR(1000) NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE data_subject_requests
        DROP COLUMN original_due_at, DROP COLUMN extended_at, DROP COLUMN extension_reason`);
  }
}
