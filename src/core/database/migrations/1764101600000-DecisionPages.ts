import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A launch's decisions kept as page rows (issue #20's launch cost): one chained row holds up to
 * 2,000 audience members' decisions as a JSON document of bytes (`entries`, covered by the chain
 * through its SHA-256) with what they share (instant, zones' local times, rule set) kept once. Such
 * a row names no customer: `customer_id` becomes optional.
 */
export class DecisionPages1764101600000 implements MigrationInterface {
  name = 'DecisionPages1764101600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE contact_decisions
        MODIFY customer_id CHAR(36) NULL,
        ADD COLUMN entries LONGBLOB NULL AFTER checks,
        ADD COLUMN entry_count INT UNSIGNED NULL AFTER entries`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE contact_decisions
        DROP COLUMN entry_count, DROP COLUMN entries,
        MODIFY customer_id CHAR(36) NOT NULL`);
  }
}
