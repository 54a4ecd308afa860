import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Content screening's review queue (issue #21): a text or email whose content a person must look
 * at first is held in the outbox (`held_at`: the delivery worker skips it) with a review row of
 * what the screening found (rule codes and descriptions, never the matched values); a reviewer
 * approves it (the worker sends it) or rejects it with a reason (the message is cancelled).
 */
export class ContentReviews1764101700000 implements MigrationInterface {
  name = 'ContentReviews1764101700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE notification_outbox ADD COLUMN held_at DATETIME(3) NULL');
    await runner.query(`
      CREATE TABLE content_reviews (
        id CHAR(36) NOT NULL PRIMARY KEY,
        message_id CHAR(36) NOT NULL,
        customer_id CHAR(36) NULL,
        channel ENUM('sms','email') NOT NULL,
        findings JSON NOT NULL,
        status ENUM('pending','approved','rejected') NOT NULL,
        created_at DATETIME(3) NOT NULL,
        decided_by VARCHAR(64) NULL,
        decided_at DATETIME(3) NULL,
        reason VARCHAR(500) NULL,
        UNIQUE KEY ux_content_reviews_message (message_id),
        KEY ix_content_reviews_status (status, created_at)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE content_reviews');
    await runner.query('ALTER TABLE notification_outbox DROP COLUMN held_at');
  }
}
