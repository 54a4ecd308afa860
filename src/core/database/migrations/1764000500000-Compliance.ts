import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/** Consent history, do-not-contact entries, contact attempts, inbound message receipts, refusal counts. */
export class Compliance1764000500000 implements MigrationInterface {
  name = 'Compliance1764000500000';

  async up(runner: QueryRunner): Promise<void> {
    const pii = await encryptedTableOptions(runner, TdeKey.PersonalData);
    const plain = await encryptedTableOptions(runner, TdeKey.Default);
    await runner.query(`
      CREATE TABLE consents (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        channel ENUM('call','sms','email') NOT NULL,
        purpose ENUM('collection','marketing') NOT NULL,
        granted BOOLEAN NOT NULL,
        source ENUM('web_form','phone_call','email_reply','sms_keyword','paper','api','agent') NOT NULL,
        evidence_enc VARBINARY(4096) NULL,
        effective_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NULL,
        recorded_by VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_consents_customer (customer_id, channel, purpose, effective_at)
      ) ${pii}`);
    // Consent history is append-only: a change is a new record, never an overwrite.
    await runner.query(`CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents FOR EACH ROW
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'consents is append-only'`);
    await runner.query(`
      CREATE TABLE dnc_entries (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NULL,
        channel ENUM('call','sms','email') NULL,
        scope ENUM('person','address') NOT NULL,
        address_kind ENUM('phone','email') NULL,
        address_bidx BINARY(32) NULL,
        list ENUM('internal','national','state','reassigned','litigator') NOT NULL DEFAULT 'internal',
        reason VARCHAR(255) NULL,
        source VARCHAR(64) NOT NULL,
        created_by VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_dnc_customer (customer_id, channel),
        KEY ix_dnc_address (address_bidx, channel)
      ) ${pii}`);
    await runner.query(`
      CREATE TABLE contact_attempts (
        id CHAR(36) NOT NULL PRIMARY KEY,
        customer_id CHAR(36) NOT NULL,
        task_id CHAR(36) NULL,
        campaign_id CHAR(36) NULL,
        agent_id CHAR(36) NULL,
        channel ENUM('call','sms','email') NOT NULL,
        purpose ENUM('collection','marketing') NOT NULL,
        debt_id VARCHAR(64) NULL,
        to_bidx BINARY(32) NULL,
        to_type ENUM('home','cell','work','unknown') NOT NULL DEFAULT 'unknown',
        occurred_at DATETIME(3) NOT NULL,
        outcome VARCHAR(32) NULL,
        consumer_initiated BOOLEAN NOT NULL DEFAULT FALSE,
        conversation BOOLEAN NOT NULL DEFAULT FALSE,
        with_consent BOOLEAN NOT NULL DEFAULT FALSE,
        created_at DATETIME(3) NOT NULL,
        KEY ix_attempts_customer (customer_id, occurred_at),
        KEY ix_attempts_campaign (campaign_id, occurred_at)
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE inbound_messages (
        provider_message_id VARCHAR(64) NOT NULL PRIMARY KEY,
        from_bidx BINARY(32) NULL,
        intent ENUM('opt_out','opt_in','help','none') NOT NULL,
        received_at DATETIME(3) NOT NULL
      ) ${plain}`);
    await runner.query(`
      CREATE TABLE compliance_refusals (
        day DATE NOT NULL,
        rule VARCHAR(64) NOT NULL,
        channel ENUM('call','sms','email') NOT NULL,
        count INT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (day, rule, channel)
      ) ${plain}`);
    await runner.query(
      'ALTER TABLE customers ADD COLUMN contact_window_start CHAR(5) NULL, ADD COLUMN contact_window_end CHAR(5) NULL',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE customers DROP COLUMN contact_window_start, DROP COLUMN contact_window_end',
    );
    await runner.query('DROP TABLE compliance_refusals');
    await runner.query('DROP TABLE inbound_messages');
    await runner.query('DROP TABLE contact_attempts');
    await runner.query('DROP TABLE dnc_entries');
    await runner.query('DROP TRIGGER IF EXISTS consents_no_update');
    await runner.query('DROP TABLE consents');
  }
}
