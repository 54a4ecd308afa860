import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A placement import's heartbeat: its process writes it with every progress update, so an import
 * whose process died (its one transaction rolled back: nothing half-imported) is found and marked
 * failed instead of showing `writing` for ever.
 */
export class ImportHeartbeat1764101800000 implements MigrationInterface {
  name = 'ImportHeartbeat1764101800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE placement_imports ADD COLUMN heartbeat_at DATETIME(3) NULL AFTER started_at',
    );
    await runner.query(
      'UPDATE placement_imports SET heartbeat_at = COALESCE(finished_at, started_at)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE placement_imports DROP COLUMN heartbeat_at');
  }
}
