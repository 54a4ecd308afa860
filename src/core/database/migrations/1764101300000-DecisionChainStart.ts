import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the contact decision chain starts once the retention purge removed its oldest rows (Reg F
 * 1006.100 keeps them as long as their attempts): the last removed row's seq and hash, so removing
 * rows from its start any other way is found by the chain check.
 */
export class DecisionChainStart1764101300000 implements MigrationInterface {
  name = 'DecisionChainStart1764101300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE contact_decision_head
        ADD COLUMN purged_upto_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
        ADD COLUMN purged_upto_hash BINARY(32) NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE contact_decision_head DROP COLUMN purged_upto_seq, DROP COLUMN purged_upto_hash',
    );
  }
}
