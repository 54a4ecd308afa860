import { MigrationInterface, QueryRunner } from 'typeorm';

/** Campaign purpose, audience, message template and schedule; task outcome and notes. */
export class CampaignDetails1764000600000 implements MigrationInterface {
  name = 'CampaignDetails1764000600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE campaigns
      ADD COLUMN purpose ENUM('collection','marketing') NOT NULL DEFAULT 'collection',
      ADD COLUMN audience JSON NOT NULL DEFAULT ('{}'),
      ADD COLUMN message_template TEXT NULL,
      ADD COLUMN starts_at DATETIME(3) NULL,
      ADD COLUMN ends_at DATETIME(3) NULL,
      ADD COLUMN window_start CHAR(5) NOT NULL DEFAULT '09:00',
      ADD COLUMN window_end CHAR(5) NOT NULL DEFAULT '20:00',
      ADD COLUMN launched_at DATETIME(3) NULL`);
    await runner.query(`ALTER TABLE tasks
      ADD COLUMN outcome VARCHAR(32) NULL,
      ADD COLUMN notes_enc VARBINARY(8192) NULL,
      ADD COLUMN started_at DATETIME(3) NULL,
      ADD COLUMN completed_at DATETIME(3) NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE tasks DROP COLUMN outcome, DROP COLUMN notes_enc, DROP COLUMN started_at, DROP COLUMN completed_at',
    );
    await runner.query(`ALTER TABLE campaigns DROP COLUMN purpose, DROP COLUMN audience, DROP COLUMN message_template,
      DROP COLUMN starts_at, DROP COLUMN ends_at, DROP COLUMN window_start, DROP COLUMN window_end, DROP COLUMN launched_at`);
  }
}
