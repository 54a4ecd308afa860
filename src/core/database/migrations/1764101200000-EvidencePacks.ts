import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Compliance evidence packs (issue #20): for a customer, a debt or a phone number and a date range,
 * every contact with its decision, the consent evidence behind it, the opt-outs and the integrity
 * proof, as JSON and PDF encrypted under the `pii` purpose key, and the one-time signed links that
 * hand them out. The scope reference is a customer id, a debt id or a phone's blind index (hex):
 * never a phone in clear.
 */
export class EvidencePacks1764101200000 implements MigrationInterface {
  name = 'EvidencePacks1764101200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE evidence_packs (
        id CHAR(36) NOT NULL PRIMARY KEY,
        scope_kind ENUM('customer','debt','phone') NOT NULL,
        scope_ref VARCHAR(64) NOT NULL,
        range_from DATETIME(3) NOT NULL,
        range_to DATETIME(3) NOT NULL,
        status ENUM('ready','failed') NOT NULL DEFAULT 'ready',
        includes_consent_evidence TINYINT(1) NOT NULL DEFAULT 0,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        enc_key_id INT UNSIGNED NOT NULL,
        json_enc LONGBLOB NOT NULL,
        json_sha256 BINARY(32) NOT NULL,
        pdf_enc LONGBLOB NOT NULL,
        pdf_sha256 BINARY(32) NOT NULL,
        downloads INT UNSIGNED NOT NULL DEFAULT 0,
        created_by VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_evidence_packs_scope (scope_kind, scope_ref, created_at),
        KEY ix_evidence_packs_key (enc_key_id)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
    await runner.query(`
      CREATE TABLE evidence_pack_links (
        id CHAR(36) NOT NULL PRIMARY KEY,
        pack_id CHAR(36) NOT NULL,
        sig_key_id INT UNSIGNED NOT NULL,
        token_hash BINARY(32) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        issued_by VARCHAR(64) NOT NULL,
        issued_at DATETIME(3) NOT NULL,
        used_at DATETIME(3) NULL,
        used_format VARCHAR(8) NULL,
        used_ip_hash BINARY(32) NULL,
        KEY ix_evidence_pack_links_pack (pack_id)
      ) ${await encryptedTableOptions(runner, TdeKey.PersonalData)}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE evidence_pack_links');
    await runner.query('DROP TABLE evidence_packs');
  }
}
