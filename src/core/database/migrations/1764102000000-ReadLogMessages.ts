import { MigrationInterface, QueryRunner } from 'typeorm';

const FIELDS = `'firstName','lastName','email','phone','addressLine','city','dateOfBirth',
          'ssn','accountRef','notes','originalBalance','currentBalance'`;

/**
 * A held message's text read by a content reviewer (issue #21) is a read of the customer's personal
 * data: the read-access log names it (`messageText`), appended at the end of the SET so that the
 * bits of the existing members do not move.
 */
export class ReadLogMessages1764102000000 implements MigrationInterface {
  name = 'ReadLogMessages1764102000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE customer_read_access MODIFY pii_fields
        SET(${FIELDS},'messageText') NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE customer_read_access MODIFY pii_fields SET(${FIELDS}) NOT NULL`,
    );
  }
}
