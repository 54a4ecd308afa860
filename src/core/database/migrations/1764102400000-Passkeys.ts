import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Passkeys (WebAuthn) as a second factor and for step-up (issue #24): the users' credentials
 * (public keys, signature counters, their labels), the roles that must use them, and passkey
 * challenges as one-time tokens of three more kinds, each bound to its user and to the session
 * (registration, step-up) or MFA challenge (sign-in) that asked for it.
 */
export class Passkeys1764102400000 implements MigrationInterface {
  name = 'Passkeys1764102400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE one_time_tokens
        MODIFY kind ENUM('mfa_challenge','password_reset','webauthn_register','webauthn_sign_in','webauthn_step_up') NOT NULL,
        ADD COLUMN bound_to CHAR(36) NULL`);
    // Credential ids are base64url, so case-sensitive: a binary collation, which also keeps the
    // unique key within InnoDB's limit (1,366 ASCII bytes for up to 1,023 raw bytes).
    await runner.query(`
      CREATE TABLE webauthn_credentials (
        id CHAR(36) NOT NULL PRIMARY KEY,
        user_id CHAR(36) NOT NULL,
        credential_id VARCHAR(1366) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        public_key BLOB NOT NULL,
        sign_count BIGINT UNSIGNED NOT NULL DEFAULT 0,
        transports JSON NULL,
        device_type VARCHAR(16) NOT NULL,
        backed_up BOOLEAN NOT NULL,
        name VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        last_used_at DATETIME(3) NULL,
        revoked_at DATETIME(3) NULL,
        UNIQUE KEY uq_webauthn_credential_id (credential_id),
        KEY ix_webauthn_user (user_id, revoked_at),
        CONSTRAINT fk_webauthn_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
    await runner.query(`
      CREATE TABLE role_passkey_policies (
        role VARCHAR(64) NOT NULL PRIMARY KEY,
        required BOOLEAN NOT NULL,
        updated_by CHAR(36) NOT NULL,
        updated_at DATETIME(3) NOT NULL
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE role_passkey_policies');
    await runner.query('DROP TABLE webauthn_credentials');
    await runner.query(
      "DELETE FROM one_time_tokens WHERE kind IN ('webauthn_register','webauthn_sign_in','webauthn_step_up')",
    );
    await runner.query(`
      ALTER TABLE one_time_tokens
        DROP COLUMN bound_to,
        MODIFY kind ENUM('mfa_challenge','password_reset') NOT NULL`);
  }
}
