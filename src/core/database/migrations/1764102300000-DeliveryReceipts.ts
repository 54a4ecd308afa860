import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery receipts (issue #21): the provider's status callbacks move each sent message's delivery
 * status forward (queued, sent, then delivered, failed or undelivered with the carrier's error
 * code). Receipts find their message by the provider's message id, hence its index.
 */
export class DeliveryReceipts1764102300000 implements MigrationInterface {
  name = 'DeliveryReceipts1764102300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE notification_outbox
        ADD COLUMN delivery_status ENUM('queued','sent','delivered','failed','undelivered') NULL,
        ADD COLUMN delivery_error_code VARCHAR(16) NULL,
        ADD COLUMN delivery_updated_at DATETIME(3) NULL,
        ADD KEY ix_notification_provider_message (provider_message_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE notification_outbox
        DROP KEY ix_notification_provider_message,
        DROP COLUMN delivery_updated_at,
        DROP COLUMN delivery_error_code,
        DROP COLUMN delivery_status`);
  }
}
