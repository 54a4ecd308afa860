import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../src/modules/audit/audit.service';
import { NotificationChannel } from '../src/modules/notifications/entities/notification.entity';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { adminConnection } from './utils/db';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const RUN =
  'mutation { runRetentionPurge { runId ranAt interruptedRuns { id } results { rule days removed } } }';

interface Report {
  runRetentionPurge: {
    runId: number;
    interruptedRuns: { id: number }[];
    results: { rule: string; days: number; removed: number }[];
  };
}

/** JSON columns come back as text from MariaDB (JSON is LONGTEXT there) and parsed from MySQL. */
function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

describe('retention purge (e2e)', () => {
  const app = useTestApp();
  let adminUser: TestUser;
  let admin: Record<string, string>;
  let manager: Record<string, string>;

  beforeAll(async () => {
    adminUser = await makeUser(app.t, 'admin', { mfa: true });
    admin = (await signIn(app.t, adminUser)).auth;
    manager = (
      await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true, teamId: 'team-r' }))
    ).auth;
  });

  const one = async (sql: string, params: unknown[]) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0][0];
  const exists = async (table: string, id: string) =>
    Number((await one(`SELECT COUNT(*) AS n FROM ${table} WHERE id = ?`, [id])).n) === 1;

  it('removes only what has outlived its period, erases long soft-deleted customers, and audits it', async () => {
    // Customers soft-deleted 40 and 5 days ago (the default keeps them 30).
    const old = await makeCustomer(app.t);
    const recent = await makeCustomer(app.t);
    await app.db.query('UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id = ?', [
      old.id,
    ]);
    await app.db.query('UPDATE customers SET deleted_at = NOW(3) - INTERVAL 5 DAY WHERE id = ?', [
      recent.id,
    ]);
    const oldPhone = (await one('SELECT phone_bidx FROM customers WHERE id = ?', [old.id]))
      .phone_bidx as Buffer;

    // Messages: one delivered 100 days ago (default 90), one still pending from 100 days ago.
    const outbox = app.t.app.get(NotificationsService);
    const delivered = await outbox.enqueue(
      NotificationChannel.Email,
      'retention-test',
      'a@x.example',
      'hi',
    );
    const pending = await outbox.enqueue(
      NotificationChannel.Email,
      'retention-test',
      'b@x.example',
      'hi',
    );
    await app.db.query(
      'UPDATE notification_outbox SET created_at = NOW(3) - INTERVAL 100 DAY, sent_at = IF(id = ?, NOW(3) - INTERVAL 100 DAY, NULL) WHERE id IN (?, ?)',
      [delivered.id, delivered.id, pending.id],
    );

    // Contact attempts: 11 years old (default keeps 7) and 500 days old (Reg F keeps 3 years).
    const ancient = uuidv7();
    const kept = uuidv7();
    for (const [id, days] of [
      [ancient, 4000],
      [kept, 500],
    ] as const) {
      await app.db.query(
        `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
         VALUES (?, ?, 'call', 'collection', 'unknown', NOW(3) - INTERVAL ? DAY, NOW(3))`,
        [id, recent.id, days],
      );
    }

    // A session that ended 40 days ago, with its refresh token.
    const viewer = await makeUser(app.t, 'viewer', { mfa: true });
    await signIn(app.t, viewer);
    const [session] = (
      await app.db.query<RowDataPacket[]>('SELECT id FROM sessions WHERE user_id = ?', [viewer.id])
    )[0];
    await app.db.query('UPDATE sessions SET expires_at = NOW(3) - INTERVAL 40 DAY WHERE id = ?', [
      session.id,
    ]);

    // Only admins run it.
    expect((await app.t.gql(RUN, undefined, manager)).errors?.[0].extensions.code).toBe(
      'FORBIDDEN',
    );
    const res = await app.t.gql<Report>(RUN, undefined, admin);
    expect(res.errors).toBeUndefined();
    const removed = Object.fromEntries(
      res.data!.runRetentionPurge.results.map((r) => [r.rule, r.removed]),
    );
    for (const rule of [
      'customers.soft_deleted',
      'notifications.finished',
      'contact_attempts',
      'sessions.ended',
    ])
      expect(removed[rule]).toBeGreaterThanOrEqual(1);

    // The old soft-deleted customer is erased (address hashes kept on the suppression list); the
    // recent one is untouched.
    expect(
      await one('SELECT status, email_enc, phone_enc FROM customers WHERE id = ?', [old.id]),
    ).toEqual({
      status: 'erased',
      email_enc: null,
      phone_enc: null,
    });
    expect(
      Number(
        (
          await one(
            "SELECT COUNT(*) AS n FROM dnc_entries WHERE source = 'erasure' AND address_bidx = ?",
            [oldPhone],
          )
        ).n,
      ),
    ).toBe(1);
    expect(
      (await one('SELECT status, email_enc FROM customers WHERE id = ?', [recent.id])).email_enc,
    ).not.toBeNull();
    expect(await exists('notification_outbox', delivered.id)).toBe(false);
    expect(await exists('notification_outbox', pending.id)).toBe(true);
    expect(await exists('contact_attempts', ancient)).toBe(false);
    expect(await exists('contact_attempts', kept)).toBe(true);
    expect(await exists('sessions', String(session.id))).toBe(false);

    const [events] = await app.db.query<RowDataPacket[]>(
      "SELECT action, resource_id FROM audit_events WHERE action IN ('retention.purged', 'retention.customer_erased') ORDER BY seq DESC LIMIT 50",
    );
    expect(events.some((e) => e.action === 'retention.purged')).toBe(true);
    expect(
      events.some((e) => e.action === 'retention.customer_erased' && e.resource_id === old.id),
    ).toBe(true);

    // The run's row and its summary, which (like each erasure) is queued for the SIEM with the
    // audit row: one transaction, so neither exists without the other.
    const { runId } = res.data!.runRetentionPurge;
    const row = await one('SELECT status, counts FROM retention_runs WHERE id = ?', [runId]);
    expect(row.status).toBe('completed');
    expect(json<Record<string, number>>(row.counts)).toEqual(removed);
    const siem = async (action: string, resourceId: string) =>
      (
        await app.db.query<RowDataPacket[]>(
          `SELECT o.payload FROM audit_siem_outbox o JOIN audit_events e ON e.seq = o.audit_seq
            WHERE e.action = ? AND e.resource_id = ?`,
          [action, resourceId],
        )
      )[0].map((r) => json<Record<string, unknown>>(r.payload));
    const summary = await siem('retention.purged', String(runId));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      action: 'retention.purged',
      resource: { type: 'RetentionRun', id: String(runId) },
      changes: { runId, removed, interruptedRunIds: [] },
    });
    const erasure = await siem('retention.customer_erased', old.id);
    expect(erasure).toHaveLength(1);
    expect(erasure[0]).toMatchObject({ changes: { runId } });
  });

  it('fails the run when its summary cannot be audited, and reports it as interrupted instead', async () => {
    const audit = app.t.app.get(AuditService);
    const record = audit.record.bind(audit);
    const spy = jest
      .spyOn(audit, 'record')
      .mockImplementation((entry, m) =>
        entry.action === 'retention.purged'
          ? Promise.reject(new Error('audit store unavailable'))
          : record(entry, m),
      );
    let res: Awaited<ReturnType<typeof app.t.gql<Report>>>;
    try {
      res = await app.t.gql<Report>(RUN, undefined, admin);
    } finally {
      spy.mockRestore();
    }
    expect(res.errors).toHaveLength(1);
    expect(res.data?.runRetentionPurge ?? null).toBeNull();

    const failed = await one(
      'SELECT id, status, finished_at FROM retention_runs ORDER BY id DESC LIMIT 1',
      [],
    );
    expect(failed.status).toBe('interrupted');
    expect(failed.finished_at).not.toBeNull();
    const [events] = await app.db.query<RowDataPacket[]>(
      `SELECT e.action, e.changes, o.id AS outbox FROM audit_events e
         LEFT JOIN audit_siem_outbox o ON o.audit_seq = e.seq
        WHERE e.resource_type = 'RetentionRun' AND e.resource_id = ?`,
      [String(failed.id)],
    );
    expect(events).toHaveLength(1);
    expect(events[0].action).toBe('retention.purge_interrupted');
    expect(json<Record<string, unknown>>(events[0].changes)).toMatchObject({
      runId: Number(failed.id),
      cause: 'failed',
    });
    expect(events[0].outbox).not.toBeNull();

    // The lock was released and the failure already closed: the next run finds nothing to close.
    const next = await app.t.gql<Report>(RUN, undefined, admin);
    expect(next.errors).toBeUndefined();
    expect(next.data!.runRetentionPurge.interruptedRuns).toEqual([]);
  });

  it('runs once at a time across instances (a database lock)', async () => {
    const other = await adminConnection();
    const runs = async () => Number((await one('SELECT COUNT(*) AS n FROM retention_runs', [])).n);
    try {
      await other.query("SELECT GET_LOCK('callwarden.retention', 0)");
      const before = await runs();
      const res = await app.t.gql(RUN, undefined, admin);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'RETENTION_RUNNING',
      });
      // A refused run leaves no trace in the ledger.
      expect(await runs()).toBe(before);
    } finally {
      await other.query("SELECT RELEASE_LOCK('callwarden.retention')");
      await other.end();
    }
  });

  it('publishes its policy', async () => {
    const policy = await app.t.gql<{ retentionPolicy: { rule: string; days: number }[] }>(
      '{ retentionPolicy { rule days description } }',
      undefined,
      admin,
    );
    expect(policy.data!.retentionPolicy).toContainEqual(
      expect.objectContaining({ rule: 'contact_attempts', days: 2557 }),
    );
    expect(
      (await app.t.gql('{ retentionPolicy { rule } }', undefined, manager)).errors?.[0].extensions
        .code,
    ).toBe('FORBIDDEN');
  });
});
