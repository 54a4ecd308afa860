import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Security II: sign-in failures are also counted per (account, address), so one mistyping agent
 * locks only themself on that address, not every account behind the office's NAT.
 */
export class SecurityII1764001200000 implements MigrationInterface {
  name = 'SecurityII1764001200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      "ALTER TABLE auth_throttle MODIFY scope ENUM('account','ip','account_ip') NOT NULL",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("DELETE FROM auth_throttle WHERE scope = 'account_ip'");
    await runner.query("ALTER TABLE auth_throttle MODIFY scope ENUM('account','ip') NOT NULL");
  }
}
