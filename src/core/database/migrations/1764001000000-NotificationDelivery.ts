import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery state of the outbound outbox: lease, retries with backoff, the provider's message id,
 * and, for contact messages, the customer and purpose the compliance gate re-checks at delivery.
 */
export class NotificationDelivery1764001000000 implements MigrationInterface {
  name = 'NotificationDelivery1764001000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE notification_outbox
      ADD COLUMN customer_id CHAR(36) NULL,
      ADD COLUMN purpose ENUM('collection','marketing') NULL,
      ADD COLUMN attempts INT UNSIGNED NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at DATETIME(3) NULL,
      ADD COLUMN locked_until DATETIME(3) NULL,
      ADD COLUMN last_error VARCHAR(255) NULL,
      ADD COLUMN provider_message_id VARCHAR(100) NULL,
      ADD COLUMN cancelled_at DATETIME(3) NULL,
      ADD COLUMN cancel_reason VARCHAR(64) NULL,
      ADD KEY ix_notification_delivery (sent_at, cancelled_at, next_attempt_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE notification_outbox DROP KEY ix_notification_delivery,
      DROP COLUMN customer_id, DROP COLUMN purpose, DROP COLUMN attempts, DROP COLUMN next_attempt_at,
      DROP COLUMN locked_until, DROP COLUMN last_error, DROP COLUMN provider_message_id,
      DROP COLUMN cancelled_at, DROP COLUMN cancel_reason`);
  }
}
