import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Honest delivery counts: an attempt is counted and marked in flight before the provider call, so a
 * call cut by a crash is still counted, and the next claim can tell it was interrupted.
 */
export class DeliveryAttempts1764100200000 implements MigrationInterface {
  name = 'DeliveryAttempts1764100200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE notification_outbox
      ADD COLUMN attempt_started_at DATETIME(3) NULL AFTER attempts,
      ADD COLUMN interrupted_attempts INT UNSIGNED NOT NULL DEFAULT 0 AFTER attempt_started_at`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE notification_outbox
      DROP COLUMN attempt_started_at, DROP COLUMN interrupted_attempts`);
  }
}
