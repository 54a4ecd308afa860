import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Contact decision provenance (issue #20): every rule set the engine ever decided under, kept
 * read-only by content hash; every decision that gates a real contact with the facts it used, the
 * rule set's version and hash, each check's outcome and the attempt it authorised, append-only and
 * hash-chained like the audit log; each contact attempt names the decision that allowed it.
 */
export const DECISION_TRIGGERS = {
  rule_set_versions_no_update: `CREATE TRIGGER rule_set_versions_no_update BEFORE UPDATE ON rule_set_versions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'rule_set_versions is read-only'`,
  rule_set_versions_no_delete: `CREATE TRIGGER rule_set_versions_no_delete BEFORE DELETE ON rule_set_versions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'rule_set_versions is read-only'`,
  contact_decisions_no_update: `CREATE TRIGGER contact_decisions_no_update BEFORE UPDATE ON contact_decisions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'contact_decisions is append-only'`,
  contact_decisions_guarded_delete: `CREATE TRIGGER contact_decisions_guarded_delete BEFORE DELETE ON contact_decisions FOR EACH ROW
    BEGIN
      IF COALESCE(@callwarden_decision_purge, 0) <> 1 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'contact_decisions rows are removed only by the retention purge';
      END IF;
    END`,
  contact_decision_head_no_delete: `CREATE TRIGGER contact_decision_head_no_delete BEFORE DELETE ON contact_decision_head FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the decision chain head cannot be deleted'`,
} as const;

export class ContactDecisions1764101000000 implements MigrationInterface {
  name = 'ContactDecisions1764101000000';

  async up(runner: QueryRunner): Promise<void> {
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(`
      CREATE TABLE rule_set_versions (
        version INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        content_hash BINARY(32) NOT NULL,
        label VARCHAR(64) NOT NULL,
        content JSON NOT NULL,
        created_at DATETIME(3) NOT NULL,
        created_by VARCHAR(64) NULL,
        UNIQUE KEY ux_rule_set_versions_hash (content_hash)
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE contact_decisions (
        seq BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        id CHAR(36) NOT NULL,
        decided_at DATETIME(3) NOT NULL,
        gate ENUM('task_start','send','delivery','launch') NOT NULL,
        customer_id CHAR(36) NOT NULL,
        debt_id VARCHAR(64) NULL,
        task_id CHAR(36) NULL,
        campaign_id CHAR(36) NULL,
        message_id CHAR(36) NULL,
        attempt_id CHAR(36) NULL,
        channel ENUM('call','sms','email') NOT NULL,
        purpose ENUM('collection','marketing') NOT NULL,
        allowed TINYINT(1) NOT NULL,
        rule_set_version INT UNSIGNED NOT NULL,
        rule_set_hash BINARY(32) NOT NULL,
        facts JSON NOT NULL,
        checks JSON NOT NULL,
        prev_hash BINARY(32) NOT NULL,
        hash BINARY(32) NOT NULL,
        UNIQUE KEY ux_contact_decisions_id (id),
        KEY ix_contact_decisions_customer (customer_id, decided_at),
        KEY ix_contact_decisions_attempt (attempt_id),
        KEY ix_contact_decisions_task (task_id)
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE contact_decision_head (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        last_seq BIGINT UNSIGNED NOT NULL,
        last_hash BINARY(32) NOT NULL
      ) ${plain}`);
    await runner.query(
      'INSERT INTO contact_decision_head (id, last_seq, last_hash) VALUES (1, 0, ?)',
      [Buffer.alloc(32)],
    );
    await runner.query(`
      ALTER TABLE contact_attempts
        ADD COLUMN decision_id CHAR(36) NULL,
        ADD KEY ix_attempts_decision (decision_id)`);
    // A hash of each consent's evidence as recorded, so a decision can name the evidence it relied
    // on and an evidence pack can show the decrypted evidence still matches it.
    await runner.query('ALTER TABLE consents ADD COLUMN evidence_hash BINARY(32) NULL');
    await runner.query('ALTER TABLE notification_outbox ADD COLUMN decision_id CHAR(36) NULL');
    await runner.query(`
      ALTER TABLE tasks
        ADD COLUMN decision_id CHAR(36) NULL,
        ADD COLUMN attempt_id CHAR(36) NULL`);
    for (const sql of Object.values(DECISION_TRIGGERS)) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of Object.keys(DECISION_TRIGGERS))
      await runner.query(`DROP TRIGGER IF EXISTS ${name}`);
    await runner.query('ALTER TABLE tasks DROP COLUMN decision_id, DROP COLUMN attempt_id');
    await runner.query('ALTER TABLE consents DROP COLUMN evidence_hash');
    await runner.query('ALTER TABLE notification_outbox DROP COLUMN decision_id');
    await runner.query(
      'ALTER TABLE contact_attempts DROP KEY ix_attempts_decision, DROP COLUMN decision_id',
    );
    await runner.query('DROP TABLE contact_decision_head');
    await runner.query('DROP TABLE contact_decisions');
    await runner.query('DROP TABLE rule_set_versions');
  }
}
