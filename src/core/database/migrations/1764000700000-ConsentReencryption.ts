import { MigrationInterface, QueryRunner } from 'typeorm';

const STRICT = `CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'consents is append-only'`;

/**
 * Consent history stays append-only, but key rotation must be able to re-encrypt the evidence: an
 * UPDATE may change `evidence_enc` and nothing else. (Evidence ciphertext is bound to its row by
 * AAD, so rewriting it without the key only makes it undecryptable, which verification reports.)
 */
const REENCRYPTABLE = `CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents FOR EACH ROW
  BEGIN
    IF NOT (NEW.id <=> OLD.id AND NEW.customer_id <=> OLD.customer_id AND NEW.channel <=> OLD.channel
        AND NEW.purpose <=> OLD.purpose AND NEW.granted <=> OLD.granted AND NEW.source <=> OLD.source
        AND NEW.effective_at <=> OLD.effective_at AND NEW.expires_at <=> OLD.expires_at
        AND NEW.recorded_by <=> OLD.recorded_by AND NEW.created_at <=> OLD.created_at) THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'consents is append-only';
    END IF;
  END`;

export class ConsentReencryption1764000700000 implements MigrationInterface {
  name = 'ConsentReencryption1764000700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TRIGGER IF EXISTS consents_no_update');
    await runner.query(REENCRYPTABLE);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TRIGGER IF EXISTS consents_no_update');
    await runner.query(STRICT);
  }
}
