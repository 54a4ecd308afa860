import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Staff users, sessions and refresh tokens, one-time tokens, MFA backup codes, API keys, login throttles, notifications. */
export class Identity1764000300000 implements MigrationInterface {
  name = 'Identity1764000300000';

  async up(runner: QueryRunner): Promise<void> {
    const pii = await encryptedTableOptions(runner, TdeKey.PersonalData);
    const secret = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(`
      CREATE TABLE users (
        id CHAR(36) NOT NULL PRIMARY KEY,
        email_enc VARBINARY(640) NOT NULL,
        email_bidx BINARY(32) NOT NULL,
        email_masked VARCHAR(260) NOT NULL,
        display_name_enc VARBINARY(512) NOT NULL,
        display_name_masked VARCHAR(16) NOT NULL,
        role VARCHAR(64) NOT NULL,
        team_id VARCHAR(64) NULL,
        status ENUM('active','disabled','locked') NOT NULL DEFAULT 'active',
        password_hash VARCHAR(255) NOT NULL,
        password_changed_at DATETIME(3) NOT NULL,
        mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE,
        totp_secret_enc VARBINARY(255) NULL,
        totp_last_step BIGINT NULL,
        mfa_enrolled_at DATETIME(3) NULL,
        last_login_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_users_email_bidx (email_bidx),
        KEY ix_users_role (role),
        KEY ix_users_team (team_id)
      ) ${pii}`);
    await runner.query(`
      CREATE TABLE sessions (
        id CHAR(36) NOT NULL PRIMARY KEY,
        user_id CHAR(36) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        last_seen_at DATETIME(3) NOT NULL,
        ip VARCHAR(45) NULL,
        user_agent VARCHAR(255) NULL,
        expires_at DATETIME(3) NOT NULL,
        revoked_at DATETIME(3) NULL,
        revoked_reason VARCHAR(64) NULL,
        amr JSON NOT NULL,
        auth_time DATETIME(3) NOT NULL,
        mfa_verified_at DATETIME(3) NULL,
        enrollment_only BOOLEAN NOT NULL DEFAULT FALSE,
        KEY ix_sessions_user (user_id, revoked_at),
        CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ${pii}`);
    await runner.query(`
      CREATE TABLE refresh_tokens (
        id CHAR(36) NOT NULL PRIMARY KEY,
        session_id CHAR(36) NOT NULL,
        token_hash BINARY(32) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        used_at DATETIME(3) NULL,
        UNIQUE KEY uq_refresh_hash (token_hash),
        KEY ix_refresh_session (session_id),
        CONSTRAINT fk_refresh_session FOREIGN KEY (session_id) REFERENCES sessions (id)
      ) ${secret}`);
    await runner.query(`
      CREATE TABLE one_time_tokens (
        id CHAR(36) NOT NULL PRIMARY KEY,
        kind ENUM('mfa_challenge','password_reset') NOT NULL,
        user_id CHAR(36) NOT NULL,
        token_hash BINARY(32) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        used_at DATETIME(3) NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        UNIQUE KEY uq_ott_hash (token_hash),
        CONSTRAINT fk_ott_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ${secret}`);
    await runner.query(`
      CREATE TABLE mfa_backup_codes (
        id CHAR(36) NOT NULL PRIMARY KEY,
        user_id CHAR(36) NOT NULL,
        code_hash BINARY(32) NOT NULL,
        used_at DATETIME(3) NULL,
        UNIQUE KEY ix_backup_user (user_id, code_hash),
        CONSTRAINT fk_backup_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ${secret}`);
    await runner.query(`
      CREATE TABLE api_keys (
        id CHAR(36) NOT NULL PRIMARY KEY,
        prefix CHAR(16) NOT NULL,
        secret_hash BINARY(32) NOT NULL,
        name VARCHAR(100) NOT NULL,
        owner_id CHAR(36) NOT NULL,
        scopes JSON NOT NULL,
        created_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        last_used_at DATETIME(3) NULL,
        last_used_ip VARCHAR(45) NULL,
        revoked_at DATETIME(3) NULL,
        grace_until DATETIME(3) NULL,
        UNIQUE KEY uq_api_keys_prefix (prefix),
        KEY ix_api_keys_owner (owner_id),
        CONSTRAINT fk_api_keys_owner FOREIGN KEY (owner_id) REFERENCES users (id)
      ) ${secret}`);
    await runner.query(`
      CREATE TABLE auth_throttle (
        scope ENUM('account','ip') NOT NULL,
        key_hash BINARY(32) NOT NULL,
        failures INT UNSIGNED NOT NULL DEFAULT 0,
        window_start DATETIME(3) NOT NULL,
        locked_until DATETIME(3) NULL,
        PRIMARY KEY (scope, key_hash)
      ) ${secret}`);
    await runner.query(`
      CREATE TABLE notification_outbox (
        id CHAR(36) NOT NULL PRIMARY KEY,
        channel ENUM('email','sms') NOT NULL,
        template VARCHAR(64) NOT NULL,
        recipient_enc VARBINARY(640) NOT NULL,
        recipient_masked VARCHAR(260) NOT NULL,
        body_enc BLOB NOT NULL,
        created_at DATETIME(3) NOT NULL,
        sent_at DATETIME(3) NULL,
        KEY ix_notification_due (sent_at, created_at)
      ) ${pii}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'notification_outbox',
      'auth_throttle',
      'api_keys',
      'mfa_backup_codes',
      'one_time_tokens',
      'refresh_tokens',
      'sessions',
      'users',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
