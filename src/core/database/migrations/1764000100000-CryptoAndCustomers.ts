import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Wrapped data keys, re-encryption progress, and customers with application-encrypted PII. */
export class CryptoAndCustomers1764000100000 implements MigrationInterface {
  name = 'CryptoAndCustomers1764000100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE crypto_keys (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        purpose VARCHAR(64) NOT NULL,
        version SMALLINT UNSIGNED NOT NULL,
        status ENUM('active','decrypt_only','destroyed') NOT NULL,
        subject_id CHAR(36) NULL,
        wrapped_key VARBINARY(255) NULL,
        master_key_version VARCHAR(32) NOT NULL,
        kms_provider VARCHAR(32) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        rotated_at DATETIME(3) NULL,
        destroyed_at DATETIME(3) NULL,
        UNIQUE KEY uq_crypto_keys_purpose_version (purpose, version),
        UNIQUE KEY uq_crypto_keys_subject (subject_id),
        KEY ix_crypto_keys_status (purpose, status)
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
    await runner.query(`
      CREATE TABLE crypto_reencryption_jobs (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        purpose VARCHAR(64) NOT NULL,
        target_key_id INT UNSIGNED NOT NULL,
        status ENUM('running','completed') NOT NULL,
        progress_cursor JSON NOT NULL,
        rows_scanned INT UNSIGNED NOT NULL DEFAULT 0,
        rows_reencrypted INT UNSIGNED NOT NULL DEFAULT 0,
        rows_total INT UNSIGNED NOT NULL DEFAULT 0,
        started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        finished_at DATETIME(3) NULL,
        KEY ix_reencryption_purpose (purpose, status)
      ) ${await encryptedTableOptions(runner, TdeKey.Default)}`);
    await runner.query(`
      CREATE TABLE customers (
        id CHAR(36) NOT NULL PRIMARY KEY,
        external_ref VARCHAR(100) NOT NULL,
        first_name_enc VARBINARY(512) NULL,
        first_name_masked VARCHAR(16) NULL,
        last_name_enc VARBINARY(512) NULL,
        last_name_masked VARCHAR(16) NULL,
        email_enc VARBINARY(640) NULL,
        email_bidx BINARY(32) NULL,
        email_masked VARCHAR(260) NULL,
        phone_enc VARBINARY(128) NULL,
        phone_bidx BINARY(32) NULL,
        phone_masked VARCHAR(16) NULL,
        phone_type ENUM('mobile','landline','unknown') NOT NULL DEFAULT 'unknown',
        address_line_enc VARBINARY(640) NULL,
        city_enc VARBINARY(256) NULL,
        state CHAR(2) NULL,
        zip CHAR(5) NULL,
        timezone VARCHAR(64) NULL,
        date_of_birth_enc VARBINARY(128) NULL,
        ssn_enc VARBINARY(128) NULL,
        ssn_bidx BINARY(32) NULL,
        ssn_masked VARCHAR(16) NULL,
        account_ref_enc VARBINARY(256) NULL,
        account_ref_masked VARCHAR(16) NULL,
        balance DECIMAL(14,2) NOT NULL DEFAULT 0.00,
        status ENUM('active','inactive','erased') NOT NULL DEFAULT 'active',
        tags JSON NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        deleted_at DATETIME(3) NULL,
        UNIQUE KEY uq_customers_external_ref (external_ref),
        KEY ix_customers_email_bidx (email_bidx),
        KEY ix_customers_phone_bidx (phone_bidx),
        KEY ix_customers_ssn_bidx (ssn_bidx),
        KEY ix_customers_state (state),
        KEY ix_customers_status (status)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE customers');
    await runner.query('DROP TABLE crypto_reencryption_jobs');
    await runner.query('DROP TABLE crypto_keys');
  }
}
