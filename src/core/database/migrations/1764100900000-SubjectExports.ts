import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Access and portability exports (issue #19): the archive of everything held about a data subject,
 * encrypted under the subject's own key, and the one-time signed links that hand it out.
 */
export class SubjectExports1764100900000 implements MigrationInterface {
  name = 'SubjectExports1764100900000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE data_subject_exports (
        id CHAR(36) NOT NULL PRIMARY KEY,
        request_id CHAR(36) NOT NULL,
        customer_id CHAR(36) NOT NULL,
        format VARCHAR(16) NOT NULL DEFAULT 'json+csv',
        status ENUM('building','ready','failed','expired') NOT NULL DEFAULT 'building',
        sections_total SMALLINT UNSIGNED NOT NULL DEFAULT 0,
        sections_done SMALLINT UNSIGNED NOT NULL DEFAULT 0,
        rows_done INT UNSIGNED NOT NULL DEFAULT 0,
        bytes BIGINT UNSIGNED NULL,
        sha256 BINARY(32) NULL,
        archive_enc LONGBLOB NULL,
        build_token CHAR(36) NULL,
        heartbeat_at DATETIME(3) NULL,
        attempts TINYINT UNSIGNED NOT NULL DEFAULT 1,
        downloads INT UNSIGNED NOT NULL DEFAULT 0,
        last_downloaded_at DATETIME(3) NULL,
        error_code VARCHAR(64) NULL,
        created_by VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        ready_at DATETIME(3) NULL,
        expires_at DATETIME(3) NULL,
        KEY ix_subject_exports_request (request_id, created_at),
        KEY ix_subject_exports_status (status, heartbeat_at)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
    await runner.query(`
      CREATE TABLE data_subject_export_links (
        id CHAR(36) NOT NULL PRIMARY KEY,
        export_id CHAR(36) NOT NULL,
        sig_key_id INT UNSIGNED NOT NULL,
        token_hash BINARY(32) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        issued_by VARCHAR(64) NOT NULL,
        issued_at DATETIME(3) NOT NULL,
        used_at DATETIME(3) NULL,
        used_ip_hash BINARY(32) NULL,
        KEY ix_subject_export_links_export (export_id)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE data_subject_export_links');
    await runner.query('DROP TABLE data_subject_exports');
  }
}
