import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Sender numbers (issue #21): a pool of long-code numbers per 10DLC campaign, and the number each
 * consumer gets their texts from (sticky: the same number every time, while it is active). The
 * outbox keeps the number a text leaves from.
 */
export class SenderNumbers1764101900000 implements MigrationInterface {
  name = 'SenderNumbers1764101900000';

  async up(runner: QueryRunner): Promise<void> {
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(`
      CREATE TABLE sender_numbers (
        id CHAR(36) NOT NULL PRIMARY KEY,
        messaging_campaign_id CHAR(36) NOT NULL,
        e164 VARCHAR(16) NOT NULL,
        status ENUM('active','retired') NOT NULL,
        assigned_at DATETIME(3) NOT NULL,
        retired_at DATETIME(3) NULL,
        created_by VARCHAR(64) NOT NULL,
        UNIQUE KEY ux_sender_numbers_e164 (e164),
        KEY ix_sender_numbers_campaign (messaging_campaign_id, status),
        CONSTRAINT fk_sender_numbers_campaign FOREIGN KEY (messaging_campaign_id)
          REFERENCES messaging_campaigns (id)
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE sender_assignments (
        customer_id CHAR(36) NOT NULL,
        messaging_campaign_id CHAR(36) NOT NULL,
        sender_number_id CHAR(36) NOT NULL,
        assigned_at DATETIME(3) NOT NULL,
        PRIMARY KEY (customer_id, messaging_campaign_id),
        KEY ix_sender_assignments_number (sender_number_id)
      ) ${plain}`);
    await runner.query(
      'ALTER TABLE notification_outbox ADD COLUMN from_number VARCHAR(16) NULL AFTER recipient_masked',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE notification_outbox DROP COLUMN from_number');
    await runner.query('DROP TABLE sender_assignments');
    await runner.query('DROP TABLE sender_numbers');
  }
}
