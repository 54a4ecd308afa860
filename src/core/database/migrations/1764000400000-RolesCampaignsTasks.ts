import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Custom roles, and the core of campaigns and tasks (the outreach module extends them). */
export class RolesCampaignsTasks1764000400000 implements MigrationInterface {
  name = 'RolesCampaignsTasks1764000400000';

  async up(runner: QueryRunner): Promise<void> {
    const options = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(`
      CREATE TABLE roles (
        name VARCHAR(64) NOT NULL PRIMARY KEY,
        description VARCHAR(255) NOT NULL DEFAULT '',
        rules JSON NOT NULL,
        inherits JSON NOT NULL,
        version INT UNSIGNED NOT NULL DEFAULT 1,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL
      ) ${options}`);
    await runner.query(`
      CREATE TABLE campaigns (
        id CHAR(36) NOT NULL PRIMARY KEY,
        name VARCHAR(120) NOT NULL,
        channel ENUM('call','sms','email') NOT NULL,
        status ENUM('draft','scheduled','running','paused','completed','cancelled') NOT NULL DEFAULT 'draft',
        team_id VARCHAR(64) NOT NULL,
        owner_id CHAR(36) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        KEY ix_campaigns_team (team_id, status)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE tasks (
        id CHAR(36) NOT NULL PRIMARY KEY,
        campaign_id CHAR(36) NOT NULL,
        customer_id CHAR(36) NOT NULL,
        assignee_id CHAR(36) NULL,
        team_id VARCHAR(64) NOT NULL,
        status ENUM('pending','in_progress','done','cancelled') NOT NULL DEFAULT 'pending',
        due_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        KEY ix_tasks_assignee (assignee_id, status),
        KEY ix_tasks_customer (customer_id, status),
        KEY ix_tasks_campaign (campaign_id, status),
        KEY ix_tasks_team (team_id, status),
        CONSTRAINT fk_tasks_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
        CONSTRAINT fk_tasks_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
      ) ${options}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tasks');
    await runner.query('DROP TABLE campaigns');
    await runner.query('DROP TABLE roles');
  }
}
