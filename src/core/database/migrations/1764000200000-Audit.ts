import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** The append-only guards, exported so a test playing the DBA can put them back after tampering. */
export const AUDIT_TRIGGERS = {
  audit_events_no_update: `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events is append-only'`,
  audit_events_guarded_delete: `CREATE TRIGGER audit_events_guarded_delete BEFORE DELETE ON audit_events FOR EACH ROW
    BEGIN
      IF COALESCE(@callwarden_audit_purge, 0) <> 1
         OR OLD.seq > (SELECT COALESCE(MAX(upto_seq), 0) FROM audit_checkpoints WHERE kind = 'purge') THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events rows are removed only by the retention purge';
      END IF;
    END`,
  audit_checkpoints_no_update: `CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_checkpoints is append-only'`,
  audit_checkpoints_no_delete: `CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_checkpoints is append-only'`,
  audit_chain_head_no_delete: `CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit chain head cannot be deleted'`,
} as const;

export class Audit1764000200000 implements MigrationInterface {
  name = 'Audit1764000200000';

  async up(runner: QueryRunner): Promise<void> {
    const options = await encryptedTableOptions(runner, TdeKey.Audit);
    await runner.query(`
      CREATE TABLE audit_events (
        seq BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        occurred_at DATETIME(3) NOT NULL,
        actor_type ENUM('user','api_key','system','anonymous') NOT NULL,
        actor_id VARCHAR(64) NULL,
        actor_role VARCHAR(64) NULL,
        action VARCHAR(100) NOT NULL,
        resource_type VARCHAR(64) NULL,
        resource_id VARCHAR(64) NULL,
        result ENUM('success','failure') NOT NULL,
        error_code VARCHAR(64) NULL,
        ip VARCHAR(45) NULL,
        user_agent VARCHAR(255) NULL,
        request_id VARCHAR(64) NULL,
        duration_ms INT UNSIGNED NULL,
        changes JSON NULL,
        prev_hash BINARY(32) NOT NULL,
        hash BINARY(32) NOT NULL,
        KEY ix_audit_actor (actor_id, seq),
        KEY ix_audit_action (action, seq),
        KEY ix_audit_resource (resource_type, resource_id, seq),
        KEY ix_audit_result_action (result, action, occurred_at),
        KEY ix_audit_time (occurred_at)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE audit_chain_head (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        last_seq BIGINT UNSIGNED NOT NULL,
        last_hash BINARY(32) NOT NULL
      ) ${options}`);
    await runner.query('INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, ?)', [
      Buffer.alloc(32),
    ]);
    await runner.query(`
      CREATE TABLE audit_checkpoints (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        kind ENUM('periodic','purge') NOT NULL,
        upto_seq BIGINT UNSIGNED NOT NULL,
        head_hash BINARY(32) NOT NULL,
        key_id INT UNSIGNED NOT NULL,
        signature BINARY(32) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_checkpoint_kind (kind, upto_seq)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE audit_siem_outbox (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        audit_seq BIGINT UNSIGNED NOT NULL,
        payload JSON NOT NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(3) NOT NULL,
        locked_until DATETIME(3) NULL,
        delivered_at DATETIME(3) NULL,
        last_error VARCHAR(255) NULL,
        KEY ix_siem_due (delivered_at, next_attempt_at)
      ) ${options}`);
    for (const sql of Object.values(AUDIT_TRIGGERS)) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of Object.keys(AUDIT_TRIGGERS))
      await runner.query(`DROP TRIGGER IF EXISTS ${name}`);
    await runner.query('DROP TABLE audit_siem_outbox');
    await runner.query('DROP TABLE audit_checkpoints');
    await runner.query('DROP TABLE audit_chain_head');
    await runner.query('DROP TABLE audit_events');
  }
}
