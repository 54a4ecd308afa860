import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

const TRIGGERS = {
  // The app adds reads (upserts); it never rewrites or removes them.
  customer_read_access_grow_only: `CREATE TRIGGER customer_read_access_grow_only
    BEFORE UPDATE ON customer_read_access FOR EACH ROW
    BEGIN
      IF NEW.customer_id <> OLD.customer_id OR NEW.day <> OLD.day OR NEW.actor_id <> OLD.actor_id
         OR NEW.kind <> OLD.kind OR NEW.actor_type <> OLD.actor_type
         OR NEW.read_count < OLD.read_count OR NEW.first_at <> OLD.first_at
         OR NEW.last_at < OLD.last_at
         OR ((NEW.pii_fields + 0) & (OLD.pii_fields + 0)) <> (OLD.pii_fields + 0) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_read_access only grows';
      END IF;
    END`,
  customer_read_access_no_delete: `CREATE TRIGGER customer_read_access_no_delete
    BEFORE DELETE ON customer_read_access FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_read_access is append-only'`,
} as const;

/**
 * Who has seen a customer's personal data (issue #19, item 6): one row per customer, day, reader
 * and kind (unmasked read, reveal, export) with a count, the fields as a SET (a bitmask on disk)
 * and the first and last read. Ids only, no personal values. The primary key starts with the
 * customer, so a customer's report is one range scan; the actor index answers "what did this
 * account read".
 */
export class ReadAccessLog1764100800000 implements MigrationInterface {
  name = 'ReadAccessLog1764100800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE customer_read_access (
        customer_id CHAR(36) NOT NULL,
        day DATE NOT NULL,
        actor_id VARCHAR(64) NOT NULL,
        kind ENUM('unmasked_read','reveal','export') NOT NULL,
        actor_type ENUM('user','api_key','system','anonymous') NOT NULL,
        actor_role VARCHAR(64) NULL,
        read_count INT UNSIGNED NOT NULL,
        pii_fields SET('firstName','lastName','email','phone','addressLine','city','dateOfBirth',
          'ssn','accountRef','notes') NOT NULL,
        first_at DATETIME(3) NOT NULL,
        last_at DATETIME(3) NOT NULL,
        PRIMARY KEY (customer_id, day, actor_id, kind),
        KEY ix_customer_read_access_actor (actor_id, day)
      ) ${await encryptedTableOptions(runner, TdeKey.Audit)}`);
    for (const sql of Object.values(TRIGGERS)) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of Object.keys(TRIGGERS)) await runner.query(`DROP TRIGGER IF EXISTS ${name}`);
    await runner.query('DROP TABLE customer_read_access');
  }
}
