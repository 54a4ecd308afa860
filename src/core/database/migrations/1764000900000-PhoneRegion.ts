import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The state of a customer's phone area code, in clear beside the ciphertext, so batch compliance
 * checks find the candidate time zones without decrypting every phone. Rows written before this
 * keep NULL and are decrypted as before (the next write of the phone fills it).
 */
export class PhoneRegion1764000900000 implements MigrationInterface {
  name = 'PhoneRegion1764000900000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE customers ADD COLUMN phone_region VARCHAR(2) NULL AFTER phone_masked',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE customers DROP COLUMN phone_region');
  }
}
