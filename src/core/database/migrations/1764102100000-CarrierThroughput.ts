import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Carrier throughput (issue #21): a brand's vetting score (its limits depend on it), the 10DLC
 * campaign a text is sent under, and the shared rate state every instance's outbox worker takes
 * from: a token bucket per 10DLC campaign and a per-day count per brand (T-Mobile's daily cap).
 */
export class CarrierThroughput1764102100000 implements MigrationInterface {
  name = 'CarrierThroughput1764102100000';

  async up(runner: QueryRunner): Promise<void> {
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(
      'ALTER TABLE brands ADD COLUMN vetting_score TINYINT UNSIGNED NULL AFTER status',
    );
    await runner.query(
      `ALTER TABLE notification_outbox
         ADD COLUMN messaging_campaign_id CHAR(36) NULL AFTER from_number`,
    );
    await runner.query(`
      CREATE TABLE throughput_buckets (
        bucket_key VARCHAR(80) NOT NULL PRIMARY KEY,
        tokens DOUBLE NOT NULL,
        refilled_at DATETIME(6) NOT NULL
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE throughput_daily (
        bucket_key VARCHAR(80) NOT NULL,
        day DATE NOT NULL,
        sent INT UNSIGNED NOT NULL,
        PRIMARY KEY (bucket_key, day)
      ) ${plain}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE throughput_daily');
    await runner.query('DROP TABLE throughput_buckets');
    await runner.query('ALTER TABLE notification_outbox DROP COLUMN messaging_campaign_id');
    await runner.query('ALTER TABLE brands DROP COLUMN vetting_score');
  }
}
