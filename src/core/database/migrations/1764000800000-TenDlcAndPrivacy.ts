import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * 10DLC sender registration (brands and the messaging campaigns carriers approved), the link from
 * an SMS campaign to the messaging campaign it sends under, and data subject requests.
 */
export class TenDlcAndPrivacy1764000800000 implements MigrationInterface {
  name = 'TenDlcAndPrivacy1764000800000';

  async up(runner: QueryRunner): Promise<void> {
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    const pii = await encryptedTableOptions(runner, TdeKey.PersonalData);
    await runner.query(`
      CREATE TABLE brands (
        id CHAR(36) NOT NULL PRIMARY KEY,
        display_name VARCHAR(60) NOT NULL,
        legal_name VARCHAR(255) NOT NULL,
        entity_type ENUM('private_profit','public_profit','non_profit','government') NOT NULL,
        ein VARCHAR(10) NOT NULL,
        website VARCHAR(255) NULL,
        vertical VARCHAR(40) NOT NULL,
        status ENUM('pending','verified','unverified','suspended') NOT NULL DEFAULT 'pending',
        tcr_brand_id VARCHAR(16) NULL,
        created_by VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY uq_brands_ein (ein),
        UNIQUE KEY uq_brands_tcr (tcr_brand_id)
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE messaging_campaigns (
        id CHAR(36) NOT NULL PRIMARY KEY,
        brand_id CHAR(36) NOT NULL,
        use_case ENUM('account_notification','customer_care','marketing','mixed','low_volume_mixed') NOT NULL,
        description VARCHAR(1024) NOT NULL,
        message_flow VARCHAR(1024) NOT NULL,
        sample_messages JSON NOT NULL,
        help_message VARCHAR(320) NOT NULL,
        opt_out_message VARCHAR(320) NOT NULL,
        embedded_links BOOLEAN NOT NULL DEFAULT FALSE,
        embedded_phone BOOLEAN NOT NULL DEFAULT FALSE,
        status ENUM('pending','active','rejected','suspended','expired') NOT NULL DEFAULT 'pending',
        status_reason VARCHAR(255) NULL,
        tcr_campaign_id VARCHAR(16) NULL,
        created_by VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY uq_messaging_campaigns_tcr (tcr_campaign_id),
        KEY ix_messaging_campaigns_brand (brand_id),
        CONSTRAINT fk_messaging_campaigns_brand FOREIGN KEY (brand_id) REFERENCES brands (id)
      ) ${plain}`);
    await runner.query(`ALTER TABLE campaigns
      ADD COLUMN messaging_campaign_id CHAR(36) NULL,
      ADD KEY ix_campaigns_messaging_campaign (messaging_campaign_id),
      ADD CONSTRAINT fk_campaigns_messaging_campaign FOREIGN KEY (messaging_campaign_id) REFERENCES messaging_campaigns (id)`);
    await runner.query(`
      CREATE TABLE data_subject_requests (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        type ENUM('erasure') NOT NULL,
        regime ENUM('gdpr','ccpa') NOT NULL,
        status ENUM('received','completed','denied') NOT NULL DEFAULT 'received',
        received_via ENUM('phone','email','web','mail','agent') NOT NULL,
        denial_reason ENUM('identity_not_verified','legal_obligation','legal_claims') NULL,
        due_at DATETIME(3) NOT NULL,
        requested_by VARCHAR(64) NOT NULL,
        resolved_by VARCHAR(64) NULL,
        resolved_at DATETIME(3) NULL,
        tasks_cancelled INT UNSIGNED NOT NULL DEFAULT 0,
        dnc_entry_id CHAR(36) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_dsr_customer (customer_id, type, status),
        KEY ix_dsr_status_due (status, due_at)
      ) ${pii}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE data_subject_requests');
    await runner.query(
      'ALTER TABLE campaigns DROP FOREIGN KEY fk_campaigns_messaging_campaign, DROP KEY ix_campaigns_messaging_campaign, DROP COLUMN messaging_campaign_id',
    );
    await runner.query('DROP TABLE messaging_campaigns');
    await runner.query('DROP TABLE brands');
  }
}
