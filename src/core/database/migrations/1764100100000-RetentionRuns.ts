import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * The ledger of retention purges: each run's state and its counts as they commit, so a run that
 * died mid-way is found (still `running` when the next one takes the lock) and reported.
 */
export class RetentionRuns1764100100000 implements MigrationInterface {
  name = 'RetentionRuns1764100100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE retention_runs (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        status ENUM('running','completed','interrupted') NOT NULL,
        actor_type ENUM('user','api_key','system','anonymous') NOT NULL,
        actor_id VARCHAR(64) NULL,
        counts JSON NOT NULL,
        current_rule VARCHAR(64) NULL,
        started_at DATETIME(3) NOT NULL,
        finished_at DATETIME(3) NULL,
        KEY ix_retention_runs_status (status)
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE retention_runs');
  }
}
