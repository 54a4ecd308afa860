import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole data subject request lifecycle (issue #19): every request type of GDPR and the CCPA,
 * received -> verifying -> in_progress -> completed | rejected, identity verification by a one-time
 * code or staff attestation, reversible rectification and restriction; and on the customer, the
 * processing restriction and the CCPA opt-outs the requests set.
 */
export class PrivacyLifecycle1764100700000 implements MigrationInterface {
  name = 'PrivacyLifecycle1764100700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE data_subject_requests
        MODIFY type ENUM('access','portability','rectification','restriction','erasure',
                         'opt_out_sale','limit_use') NOT NULL,
        MODIFY status ENUM('received','verifying','in_progress','completed','rejected','denied')
          NOT NULL DEFAULT 'received',
        MODIFY denial_reason ENUM('identity_not_verified','legal_obligation','legal_claims',
                                  'manifestly_unfounded','excessive','duplicate',
                                  'exemption_applies') NULL,
        ADD COLUMN rejection_note VARCHAR(1000) NULL,
        ADD COLUMN found_by ENUM('customer_id','email','phone') NOT NULL DEFAULT 'customer_id',
        ADD COLUMN verification_method ENUM('code','attestation','not_required') NULL,
        ADD COLUMN verification_channel ENUM('email','sms') NULL,
        ADD COLUMN verification_code_hash BINARY(32) NULL,
        ADD COLUMN verification_expires_at DATETIME(3) NULL,
        ADD COLUMN verification_attempts TINYINT UNSIGNED NOT NULL DEFAULT 0,
        ADD COLUMN verification_sends TINYINT UNSIGNED NOT NULL DEFAULT 0,
        ADD COLUMN verified_at DATETIME(3) NULL,
        ADD COLUMN verified_by VARCHAR(64) NULL,
        ADD COLUMN attestation_enc VARBINARY(4096) NULL,
        ADD COLUMN rectification_enc VARBINARY(4096) NULL,
        ADD COLUMN reversed_at DATETIME(3) NULL,
        ADD COLUMN reversed_by VARCHAR(64) NULL,
        ADD COLUMN reversal_reason VARCHAR(1000) NULL`);
    await runner.query(
      `UPDATE data_subject_requests SET status = 'rejected' WHERE status = 'denied'`,
    );
    await runner.query(`
      ALTER TABLE data_subject_requests
        MODIFY status ENUM('received','verifying','in_progress','completed','rejected')
          NOT NULL DEFAULT 'received'`);
    await runner.query(`
      ALTER TABLE customers
        ADD COLUMN processing_restricted_at DATETIME(3) NULL,
        ADD COLUMN sale_opted_out_at DATETIME(3) NULL,
        ADD COLUMN sensitive_use_limited_at DATETIME(3) NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE customers
        DROP COLUMN processing_restricted_at, DROP COLUMN sale_opted_out_at,
        DROP COLUMN sensitive_use_limited_at`);
    await runner.query(`DELETE FROM data_subject_requests WHERE type <> 'erasure'`);
    await runner.query(`
      ALTER TABLE data_subject_requests
        MODIFY status ENUM('received','completed','denied','rejected') NOT NULL DEFAULT 'received'`);
    await runner.query(
      `UPDATE data_subject_requests SET status = 'denied' WHERE status = 'rejected'`,
    );
    await runner.query(`
      ALTER TABLE data_subject_requests
        DROP COLUMN rejection_note, DROP COLUMN found_by, DROP COLUMN verification_method,
        DROP COLUMN verification_channel, DROP COLUMN verification_code_hash,
        DROP COLUMN verification_expires_at, DROP COLUMN verification_attempts,
        DROP COLUMN verification_sends, DROP COLUMN verified_at, DROP COLUMN verified_by,
        DROP COLUMN attestation_enc, DROP COLUMN rectification_enc, DROP COLUMN reversed_at,
        DROP COLUMN reversed_by, DROP COLUMN reversal_reason,
        MODIFY status ENUM('received','completed','denied') NOT NULL DEFAULT 'received',
        MODIFY type ENUM('erasure') NOT NULL,
        MODIFY denial_reason ENUM('identity_not_verified','legal_obligation','legal_claims') NULL`);
  }
}
