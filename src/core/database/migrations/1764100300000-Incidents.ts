import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptedTableOptions, TdeKey } from '../table-options';

/**
 * Incidents (issue #18): the incidents with their timeline, containment actions and breach
 * deadlines; the on-call schedule; detection (rules as data, counters shared by every instance, the
 * audit-log cursor of the detector); address blocks; and hourly rollups of the security metrics,
 * back-filled here from the audit log so the dashboard's history starts complete.
 */
export class Incidents1764100300000 implements MigrationInterface {
  name = 'Incidents1764100300000';

  async up(runner: QueryRunner): Promise<void> {
    const options = await encryptedTableOptions(runner, TdeKey.Default);
    const actor = "ENUM('user','api_key','system','anonymous')";
    await runner.query(`
      CREATE TABLE incidents (
        id CHAR(36) NOT NULL PRIMARY KEY,
        type ENUM('data_breach','unauthorized_access','credential_stuffing','brute_force','api_abuse',
          'insider_threat','malware','ddos','compliance_violation','other') NOT NULL,
        severity ENUM('low','medium','high','critical') NOT NULL,
        status ENUM('open','investigating','contained','resolved','closed') NOT NULL,
        title VARCHAR(200) NOT NULL,
        description TEXT NOT NULL,
        affected_users JSON NOT NULL,
        affected_customers JSON NOT NULL,
        affected_systems JSON NOT NULL,
        jurisdictions JSON NOT NULL,
        source ENUM('manual','detection') NOT NULL,
        rule_key VARCHAR(64) NULL,
        subject VARCHAR(128) NULL,
        dedupe_key VARCHAR(191) NULL,
        reported_by VARCHAR(64) NULL,
        assignee_id CHAR(36) NULL,
        first_event_at DATETIME(3) NULL,
        detected_at DATETIME(3) NOT NULL,
        acknowledged_at DATETIME(3) NULL,
        contained_at DATETIME(3) NULL,
        resolved_at DATETIME(3) NULL,
        closed_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY ux_incidents_dedupe (dedupe_key),
        KEY ix_incidents_status_severity (status, severity),
        KEY ix_incidents_detected (detected_at),
        KEY ix_incidents_resolved (resolved_at)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE incident_timeline (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        incident_id CHAR(36) NOT NULL,
        at DATETIME(3) NOT NULL,
        actor_type ${actor} NOT NULL,
        actor_id VARCHAR(64) NULL,
        kind VARCHAR(32) NOT NULL,
        text TEXT NULL,
        data JSON NULL,
        audit_seq BIGINT UNSIGNED NULL,
        KEY ix_incident_timeline_incident (incident_id, id)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE incident_actions (
        id CHAR(36) NOT NULL PRIMARY KEY,
        incident_id CHAR(36) NULL,
        kind VARCHAR(32) NOT NULL,
        target VARCHAR(128) NOT NULL,
        params JSON NOT NULL,
        status ENUM('pending','applied','failed','skipped','reversed') NOT NULL,
        outcome VARCHAR(200) NULL,
        requested_at DATETIME(3) NOT NULL,
        requested_by_type ${actor} NOT NULL,
        requested_by_id VARCHAR(64) NULL,
        applied_at DATETIME(3) NULL,
        locked_until DATETIME(3) NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        reversed_at DATETIME(3) NULL,
        reversed_by VARCHAR(64) NULL,
        KEY ix_incident_actions_incident (incident_id),
        KEY ix_incident_actions_status (status, locked_until)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE incident_deadlines (
        incident_id CHAR(36) NOT NULL,
        rule VARCHAR(64) NOT NULL,
        due_at DATETIME(3) NOT NULL,
        notified_at DATETIME(3) NULL,
        overdue_alerted_at DATETIME(3) NULL,
        PRIMARY KEY (incident_id, rule),
        KEY ix_incident_deadlines_due (due_at)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE on_call_shifts (
        id CHAR(36) NOT NULL PRIMARY KEY,
        user_id CHAR(36) NOT NULL,
        starts_at DATETIME(3) NOT NULL,
        ends_at DATETIME(3) NOT NULL,
        created_by VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_on_call_shifts_window (starts_at, ends_at)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE detection_rules (
        rule_key VARCHAR(64) NOT NULL PRIMARY KEY,
        enabled BOOLEAN NOT NULL,
        threshold INT UNSIGNED NOT NULL,
        window_seconds INT UNSIGNED NOT NULL,
        severity ENUM('low','medium','high','critical') NOT NULL,
        actions JSON NOT NULL,
        block_minutes INT UNSIGNED NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        updated_by VARCHAR(64) NULL
      ) ${options}`);
    await runner.query(`
      CREATE TABLE detection_counters (
        rule_key VARCHAR(64) NOT NULL,
        subject VARCHAR(128) NOT NULL,
        window_start DATETIME(3) NOT NULL,
        n INT UNSIGNED NOT NULL,
        ref_id VARCHAR(64) NULL,
        first_seq BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (rule_key, subject),
        KEY ix_detection_counters_window (window_start)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE detection_members (
        rule_key VARCHAR(64) NOT NULL,
        subject VARCHAR(128) NOT NULL,
        member VARCHAR(64) NOT NULL,
        seen_at DATETIME(3) NOT NULL,
        PRIMARY KEY (rule_key, subject, member),
        KEY ix_detection_members_seen (seen_at)
      ) ${options}`);
    // Where each user last signed in from, per country (the geo rules; only with a geo source).
    await runner.query(`
      CREATE TABLE sign_in_locations (
        user_id CHAR(36) NOT NULL,
        country CHAR(2) NOT NULL,
        latitude DECIMAL(8,5) NOT NULL,
        longitude DECIMAL(8,5) NOT NULL,
        seen_at DATETIME(3) NOT NULL,
        PRIMARY KEY (user_id, country),
        KEY ix_sign_in_locations_user_seen (user_id, seen_at)
      ) ${options}`);
    await runner.query(`
      CREATE TABLE detection_cursor (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        last_seq BIGINT UNSIGNED NOT NULL,
        updated_at DATETIME(3) NOT NULL
      ) ${options}`);
    await runner.query(`
      CREATE TABLE address_blocks (
        id CHAR(36) NOT NULL PRIMARY KEY,
        cidr VARCHAR(64) NOT NULL,
        reason VARCHAR(200) NOT NULL,
        incident_id CHAR(36) NULL,
        created_by VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        lifted_at DATETIME(3) NULL,
        lifted_by VARCHAR(64) NULL,
        KEY ix_address_blocks_expires (expires_at)
      ) ${options}`);
    // The dashboard reads a few metrics over a range of hours (the primary key), the mass-PII
    // baseline one user's pii_access hours (the second key); bench/incidents.bench.ts shows both plans.
    await runner.query(`
      CREATE TABLE security_rollups (
        bucket DATETIME NOT NULL,
        metric VARCHAR(48) NOT NULL,
        dim VARCHAR(64) NOT NULL,
        n BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (metric, bucket, dim),
        KEY ix_security_rollups_dim (metric, dim, bucket)
      ) ${options}`);
    await runner.query(
      'ALTER TABLE users ADD COLUMN mfa_reenroll_required BOOLEAN NOT NULL DEFAULT 0',
    );
    // Ranges the security metrics read.
    await runner.query('ALTER TABLE api_keys ADD KEY ix_api_keys_expiry (revoked_at, expires_at)');
    await runner.query('ALTER TABLE retention_runs ADD KEY ix_retention_runs_started (started_at)');
    // The detector starts at the present: history is counted into the rollups below, not replayed
    // as fresh detections.
    await runner.query(
      'INSERT INTO detection_cursor (id, last_seq, updated_at) SELECT 1, COALESCE(MAX(seq), 0), NOW(3) FROM audit_events',
    );
    for (const [metric, dim, where] of ROLLUP_BACKFILL) {
      await runner.query(
        `INSERT INTO security_rollups (bucket, metric, dim, n)
         SELECT DATE_FORMAT(occurred_at, '%Y-%m-%d %H:00:00'), '${metric}', ${dim}, COUNT(*)
           FROM audit_events
          WHERE seq <= (SELECT last_seq FROM detection_cursor WHERE id = 1) AND ${where}
          GROUP BY 1, 3`,
      );
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE retention_runs DROP KEY ix_retention_runs_started');
    await runner.query('ALTER TABLE api_keys DROP KEY ix_api_keys_expiry');
    await runner.query('ALTER TABLE users DROP COLUMN mfa_reenroll_required');
    for (const table of [
      'sign_in_locations',
      'security_rollups',
      'address_blocks',
      'detection_cursor',
      'detection_members',
      'detection_counters',
      'detection_rules',
      'on_call_shifts',
      'incident_deadlines',
      'incident_actions',
      'incident_timeline',
      'incidents',
    ])
      await runner.query(`DROP TABLE ${table}`);
  }
}

/**
 * The rollups' back-fill: the same classification as src/modules/incidents/detection/rollups.ts
 * applies to new events (a migration never changes, so it carries its own copy).
 */
const ROLLUP_BACKFILL: [string, string, string][] = [
  [
    'signin_ok',
    "''",
    "action = 'auth.login' AND result = 'success' AND COALESCE(JSON_VALUE(changes, '$.next'), '') <> 'mfa'",
  ],
  ['signin_failed', "COALESCE(error_code, '')", "action = 'auth.login' AND result = 'failure'"],
  [
    'lockout',
    "''",
    "action = 'auth.login' AND result = 'failure' AND error_code = 'TOO_MANY_ATTEMPTS'",
  ],
  ['authz_denied', 'LEFT(action, 64)', "result = 'failure' AND error_code = 'FORBIDDEN'"],
];
