import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key lifecycle: a retired data key waits out a destruction period (cancellable) before its
 * material is deleted; a re-encryption job is owned through a lease that expires with its owner.
 */
export class KeyLifecycle1764100000000 implements MigrationInterface {
  name = 'KeyLifecycle1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      "ALTER TABLE crypto_keys MODIFY status ENUM('active','decrypt_only','scheduled_destruction','destroyed') NOT NULL",
    );
    await runner.query(
      'ALTER TABLE crypto_keys ADD destroy_after DATETIME(3) NULL AFTER rotated_at',
    );
    await runner.query(
      "ALTER TABLE crypto_reencryption_jobs MODIFY status ENUM('pending','running','completed') NOT NULL",
    );
    await runner.query(
      'ALTER TABLE crypto_reencryption_jobs ADD owner VARCHAR(128) NULL AFTER status, ADD lease_expires_at DATETIME(3) NULL AFTER owner',
    );
    // A job "running" before this migration has no owner any more: it waits to be resumed.
    await runner.query(
      "UPDATE crypto_reencryption_jobs SET status = 'pending' WHERE status = 'running'",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      "UPDATE crypto_reencryption_jobs SET status = 'running' WHERE status = 'pending'",
    );
    await runner.query(
      'ALTER TABLE crypto_reencryption_jobs DROP COLUMN lease_expires_at, DROP COLUMN owner',
    );
    await runner.query(
      "ALTER TABLE crypto_reencryption_jobs MODIFY status ENUM('running','completed') NOT NULL",
    );
    await runner.query(
      "UPDATE crypto_keys SET status = 'decrypt_only', destroy_after = NULL WHERE status = 'scheduled_destruction'",
    );
    await runner.query('ALTER TABLE crypto_keys DROP COLUMN destroy_after');
    await runner.query(
      "ALTER TABLE crypto_keys MODIFY status ENUM('active','decrypt_only','destroyed') NOT NULL",
    );
  }
}
