import { createConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { adminConnection } from './utils/db';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';
import { until } from './utils/until';

const PREVIEW = '{ retentionPreview { rule days wouldRemove } }';
const RUN =
  'mutation { runRetentionPurge { runId results { rule removed skipped batches slowestBatchMs } interruptedRuns { id } } }';

interface Result {
  rule: string;
  removed: number;
  skipped: number;
  batches: number;
  slowestBatchMs: number;
}

describe('retention purge: dry run, skipped customers, key ranges (e2e)', () => {
  const app = useTestApp({ RETENTION_CRON: 'off' });
  let admin: Record<string, string>;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  /** The dry run's count of contact attempts. */
  const attemptsWouldGo = async () => {
    const preview = await app.t.gql<{
      retentionPreview: { rule: string; wouldRemove: number }[];
    }>(PREVIEW, undefined, admin);
    return preview.data!.retentionPreview.find((r) => r.rule === 'contact_attempts')!.wouldRemove;
  };

  /** Expired contact attempts, more than one primary-key range (5,000) of them, among kept ones. */
  async function seedAttempts(customerId: string, expired: number, kept: number) {
    const values: unknown[][] = [];
    for (let i = 0; i < expired + kept; i++)
      values.push([uuidv7(), customerId, i < expired ? 4000 : 10]);
    for (let i = 0; i < values.length; i += 2000) {
      const chunk = values.slice(i, i + 2000);
      await app.db.query(
        `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
         VALUES ${chunk.map(() => "(?, ?, 'call', 'collection', 'unknown', NOW(3) - INTERVAL ? DAY, NOW(3))").join(', ')}`,
        chunk.flat(),
      );
    }
  }

  it('removes exactly what the dry run reported, rule by rule, across several key ranges', async () => {
    // Whatever earlier suites left expired is in both figures alike; add enough to span ranges.
    const customer = await makeCustomer(app.t);
    await seedAttempts(customer.id, 12_345, 321);
    const softDeleted = await Promise.all([1, 2, 3].map(() => makeCustomer(app.t)));
    await app.db.query(
      'UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id IN (?)',
      [softDeleted.map((c) => c.id)],
    );
    const [{ n: before }] = await rows(
      'SELECT COUNT(*) AS n FROM contact_attempts WHERE customer_id = ?',
      [customer.id],
    );
    expect(Number(before)).toBe(12_666);

    const preview = await app.t.gql<{ retentionPreview: { rule: string; wouldRemove: number }[] }>(
      PREVIEW,
      undefined,
      admin,
    );
    expect(preview.errors).toBeUndefined();
    const would = Object.fromEntries(
      preview.data!.retentionPreview.map((r) => [r.rule, r.wouldRemove]),
    );
    expect(would.contact_attempts).toBeGreaterThanOrEqual(12_345);
    expect(would['customers.soft_deleted']).toBeGreaterThanOrEqual(3);
    // The dry run removed nothing.
    const [{ n: still }] = await rows(
      'SELECT COUNT(*) AS n FROM contact_attempts WHERE customer_id = ?',
      [customer.id],
    );
    expect(Number(still)).toBe(12_666);

    const run = await app.t.gql<{ runRetentionPurge: { runId: number; results: Result[] } }>(
      RUN,
      undefined,
      admin,
    );
    expect(run.errors).toBeUndefined();
    const removed = Object.fromEntries(
      run.data!.runRetentionPurge.results.map((r) => [r.rule, r.removed]),
    );
    expect(removed).toEqual(would);
    // At least three key ranges of contact attempts (12,666 of ours alone), each timed.
    const attempts = run.data!.runRetentionPurge.results.find(
      (r) => r.rule === 'contact_attempts',
    )!;
    expect(attempts.batches).toBeGreaterThanOrEqual(3);
    expect(attempts.slowestBatchMs).toBeGreaterThan(0);
    const [{ n: left }] = await rows(
      'SELECT COUNT(*) AS n FROM contact_attempts WHERE customer_id = ?',
      [customer.id],
    );
    expect(Number(left)).toBe(321);
    // The run's ledger row says the same.
    const [ledger] = await rows('SELECT status, counts FROM retention_runs WHERE id = ?', [
      run.data!.runRetentionPurge.runId,
    ]);
    const counts = (
      typeof ledger.counts === 'string' ? JSON.parse(ledger.counts) : ledger.counts
    ) as Record<string, number>;
    expect(ledger.status).toBe('completed');
    expect(counts.contact_attempts).toBe(would.contact_attempts);
    // Nothing left to do: a second dry run finds nothing of these.
    const again = await app.t.gql<{ retentionPreview: { rule: string; wouldRemove: number }[] }>(
      PREVIEW,
      undefined,
      admin,
    );
    expect(
      again.data!.retentionPreview.find((r) => r.rule === 'contact_attempts')!.wouldRemove,
    ).toBe(0);
    // The kept attempts (at any hour of the day) would count in later suites' contact reports.
    await app.db.query('DELETE FROM contact_attempts WHERE customer_id = ?', [customer.id]);
  }, 120_000);

  it("drops a month whose every attempt has expired whole, leaves a held customer's month to the key ranges, and removes exactly what the dry run counted", async () => {
    // Monthly partitions back to 2018 (p_start is split; the months are empty of this test's rows).
    await app.db.query("CALL contact_attempts_backfill('2018-01-01')");
    const months = async () =>
      (
        await rows(
          `SELECT PARTITION_NAME AS name, TABLE_ROWS AS n FROM information_schema.PARTITIONS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'contact_attempts'`,
        )
      ).map((r) => r.name as string);
    expect(await months()).toEqual(expect.arrayContaining(['p201803', 'p201804', 'p201805']));
    const [a, held] = await Promise.all([makeCustomer(app.t), makeCustomer(app.t)]);
    const at = (customerId: string, day: string, n: number) =>
      Array.from({ length: n }, (_, i) => [
        uuidv7(),
        customerId,
        `${day} 00:00:${String(i % 60).padStart(2, '0')}.000`,
      ]);
    const cutoff = new Date(Date.now() - 2557 * 86_400_000);
    const cutoffMonth = `${cutoff.toISOString().slice(0, 7)}-01`;
    const seeded = [
      ...at(a.id, '2018-03-10', 400),
      ...at(a.id, '2018-04-10', 300),
      ...at(held.id, '2018-04-20', 7),
      ...at(a.id, '2018-05-31', 200),
      // Expired, in the month of the cut-off (seven years by default), not wholly expired: ranges.
      ...at(a.id, cutoffMonth, 50),
    ];
    await app.db.query(
      `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
       VALUES ${seeded.map(() => "(?, ?, 'call', 'collection', 'unknown', ?, NOW(3))").join(', ')}`,
      seeded.flat(),
    );
    await app.db.query(
      `INSERT INTO legal_holds (id, customer_id, reason, note, placed_by, placed_at)
       VALUES (?, ?, 'litigation', 'retention partition test', 'test', NOW(3))`,
      [uuidv7(), held.id],
    );
    try {
      // The application's own account may not drop a partition itself, nor have the procedure drop
      // a month that is not past both the cut-off and the legal floor.
      const appDb = await createConnection({ uri: process.env.DATABASE_URL!, timezone: 'Z' });
      try {
        await expect(
          appDb.query('ALTER TABLE contact_attempts DROP PARTITION p201803'),
        ).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
        const call = async (name: string, cutoff: Date) =>
          (
            (
              await appDb.query('CALL contact_attempts_drop_expired(?, ?)', [name, cutoff])
            )[0] as RowDataPacket[][]
          )[0][0];
        expect(await call('p201803', new Date('2018-03-15T00:00:00Z'))).toMatchObject({
          status: 'not_expired',
          removed: 0,
        });
        const recent = (await months()).filter((m) => /^p\d{6}$/.test(m)).pop()!;
        expect(await call(recent, new Date('2099-01-01T00:00:00Z'))).toMatchObject({
          status: 'not_expired',
          removed: 0,
        });
        await expect(
          appDb.query('CALL contact_attempts_drop_expired(?, ?)', [
            'p_start; DROP TABLE customers',
            new Date('2020-01-01T00:00:00Z'),
          ]),
        ).rejects.toMatchObject({ sqlMessage: 'PARTITION_NAME_INVALID' });
      } finally {
        await appDb.end();
      }
      expect(await months()).toEqual(expect.arrayContaining(['p201803', 'p201804', 'p201805']));

      const would = await attemptsWouldGo();
      expect(would).toBeGreaterThanOrEqual(950);
      const run = await app.t.gql<{ runRetentionPurge: { runId: number; results: Result[] } }>(
        RUN,
        undefined,
        admin,
      );
      expect(run.errors).toBeUndefined();
      const attempts = run.data!.runRetentionPurge.results.find(
        (r) => r.rule === 'contact_attempts',
      )!;
      expect(attempts.removed).toBe(would);
      // March and May went whole; April stays for the held customer's rows, the others' gone.
      const after = await months();
      expect(after).not.toContain('p201803');
      expect(after).not.toContain('p201805');
      expect(after).toContain('p201804');
      const left = await rows(
        'SELECT customer_id AS c, COUNT(*) AS n FROM contact_attempts WHERE customer_id IN (?, ?) GROUP BY customer_id',
        [a.id, held.id],
      );
      expect(left.map((r) => [r.c as string, Number(r.n)])).toEqual([[held.id, 7]]);
      // New months keep coming: partitions exist for the year ahead.
      const ahead = new Date();
      ahead.setUTCMonth(ahead.getUTCMonth() + 12);
      expect(after).toContain(`p${ahead.toISOString().slice(0, 7).replace('-', '')}`);
      const [ledger] = await rows('SELECT counts FROM retention_runs WHERE id = ?', [
        run.data!.runRetentionPurge.runId,
      ]);
      const counts = (
        typeof ledger.counts === 'string' ? JSON.parse(ledger.counts) : ledger.counts
      ) as Record<string, number>;
      expect(counts.contact_attempts).toBe(would);
    } finally {
      await app.db.query('DELETE FROM legal_holds WHERE customer_id = ?', [held.id]);
      await app.db.query('DELETE FROM contact_attempts WHERE customer_id = ?', [held.id]);
    }
  }, 120_000);

  it('leaves the months to the key ranges when a long transaction holds the table, removing the same rows', async () => {
    await app.db.query("CALL contact_attempts_backfill('2018-01-01')");
    const customer = await makeCustomer(app.t);
    const seeded = Array.from({ length: 120 }, (_, i) => [
      uuidv7(),
      customer.id,
      `2018-07-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00.000`,
    ]);
    await app.db.query(
      `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
       VALUES ${seeded.map(() => "(?, ?, 'call', 'collection', 'unknown', ?, NOW(3))").join(', ')}`,
      seeded.flat(),
    );
    const would = await attemptsWouldGo();
    expect(would).toBeGreaterThanOrEqual(120);
    // The month partition that holds them (an earlier run may have dropped their own month's:
    // rows of a dropped month fall into the next one).
    const bounds = await rows(
      `SELECT PARTITION_NAME AS name, PARTITION_DESCRIPTION AS bound FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'contact_attempts'
          AND PARTITION_DESCRIPTION <> 'MAXVALUE' ORDER BY PARTITION_ORDINAL_POSITION`,
    );
    const holding = bounds.find((b) => String(b.bound).replace(/'/g, '') > '2018-07-28')!
      .name as string;
    expect(holding).toMatch(/^p\d{6}$/);
    // A report reading attempts in a transaction it keeps open (its metadata lock stays).
    const reader = await adminConnection();
    try {
      await reader.query('START TRANSACTION');
      await reader.query('SELECT COUNT(*) FROM contact_attempts WHERE customer_id = ?', [
        customer.id,
      ]);
      const started = Date.now();
      const run = await app.t.gql<{ runRetentionPurge: { results: Result[] } }>(
        RUN,
        undefined,
        admin,
      );
      expect(run.errors).toBeUndefined();
      expect(
        run.data!.runRetentionPurge.results.find((r) => r.rule === 'contact_attempts')!.removed,
      ).toBe(would);
      // One drop waited its two seconds, then the rest went by key ranges: no stall per month.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    const [{ n }] = await rows('SELECT COUNT(*) AS n FROM contact_attempts WHERE customer_id = ?', [
      customer.id,
    ]);
    expect(Number(n)).toBe(0);
    // The month is still there (not dropped), its expired rows gone by key ranges.
    const [month] = await rows(
      `SELECT COUNT(*) AS n FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE()
          AND TABLE_NAME = 'contact_attempts' AND PARTITION_NAME = ?`,
      [holding],
    );
    expect(Number(month.n)).toBe(1);
  }, 120_000);

  it('records and skips a customer it cannot erase, erases the rest, and tries it again next time', async () => {
    const [stuck, ok] = await Promise.all([makeCustomer(app.t), makeCustomer(app.t)]);
    await app.db.query(
      'UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id IN (?, ?)',
      [stuck.id, ok.id],
    );
    // The database refuses to change this one customer (a broken row, a held record).
    await app.db.query('DROP TRIGGER IF EXISTS retention_test_stuck');
    await app.db.query(
      `CREATE TRIGGER retention_test_stuck BEFORE UPDATE ON customers FOR EACH ROW
         BEGIN
           IF OLD.id = '${stuck.id}' THEN
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test';
           END IF;
         END`,
    );
    try {
      const run = await app.t.gql<{ runRetentionPurge: { runId: number; results: Result[] } }>(
        RUN,
        undefined,
        admin,
      );
      expect(run.errors).toBeUndefined();
      const customers = run.data!.runRetentionPurge.results.find(
        (r) => r.rule === 'customers.soft_deleted',
      )!;
      expect(customers.skipped).toBe(1);
      const status = await rows('SELECT id, status FROM customers WHERE id IN (?, ?)', [
        stuck.id,
        ok.id,
      ]);
      expect(Object.fromEntries(status.map((r) => [r.id, r.status]))).toEqual({
        [stuck.id]: 'active',
        [ok.id]: 'erased',
      });
      const [skipped] = await rows(
        "SELECT seq, error_code, JSON_VALUE(changes, '$.runId') AS run FROM audit_events WHERE action = 'retention.customer_skipped' AND resource_id = ?",
        [stuck.id],
      );
      expect(skipped).toMatchObject({
        error_code: 'ER_SIGNAL_EXCEPTION',
        run: String(run.data!.runRetentionPurge.runId),
      });
      // Critical: queued for the SIEM.
      const [queued] = await rows(
        'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?',
        [skipped.seq],
      );
      expect(Number(queued.n)).toBe(1);
      const [ledger] = await rows('SELECT status, counts FROM retention_runs WHERE id = ?', [
        run.data!.runRetentionPurge.runId,
      ]);
      expect(ledger.status).toBe('completed');
      expect(
        (typeof ledger.counts === 'string' ? JSON.parse(ledger.counts) : ledger.counts) as Record<
          string,
          number
        >,
      ).toMatchObject({ 'customers.soft_deleted:skipped': 1 });
    } finally {
      await app.db.query('DROP TRIGGER IF EXISTS retention_test_stuck');
    }
    // Once the cause is gone, the next run erases it.
    const next = await app.t.gql<{ runRetentionPurge: { results: Result[] } }>(
      RUN,
      undefined,
      admin,
    );
    expect(
      next.data!.runRetentionPurge.results.find((r) => r.rule === 'customers.soft_deleted'),
    ).toMatchObject({ skipped: 0 });
    const [after] = await rows('SELECT status FROM customers WHERE id = ?', [stuck.id]);
    expect(after.status).toBe('erased');
  }, 120_000);

  it('keeps policies as data: admins edit them, never under the legal floor, audited; a disabled one removes nothing', async () => {
    const UPDATE = `mutation($input: UpdateRetentionPolicyInput!) {
      updateRetentionPolicy(input: $input) { rule days enabled legalBasis floorDays action }
    }`;
    try {
      const under = await app.t.gql(
        UPDATE,
        { input: { rule: 'contact_attempts', days: 365 } },
        admin,
      );
      expect(under.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'UNDER_LEGAL_FLOOR',
      });
      const unknown = await app.t.gql(UPDATE, { input: { rule: 'no.such', days: 30 } }, admin);
      expect(unknown.errors?.[0].extensions).toMatchObject({ reason: 'UNKNOWN_POLICY' });
      const manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true }))).auth;
      const forbidden = await app.t.gql(
        UPDATE,
        { input: { rule: 'inbound_messages', enabled: false } },
        manager,
      );
      expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');
      const [{ n: none }] = await rows('SELECT COUNT(*) AS n FROM retention_policies');
      expect(Number(none)).toBe(0);

      const longer = await app.t.gql<{ updateRetentionPolicy: Record<string, unknown> }>(
        UPDATE,
        { input: { rule: 'contact_attempts', days: 2000, legalBasis: 'Reg F plus our contracts' } },
        admin,
      );
      expect(longer.data!.updateRetentionPolicy).toMatchObject({
        rule: 'contact_attempts',
        days: 2000,
        enabled: true,
        legalBasis: 'Reg F plus our contracts',
        floorDays: 3 * 366,
        action: 'delete',
      });
      const [audit] = await rows(
        "SELECT changes FROM audit_events WHERE action = 'retention.policy_changed' AND resource_id = 'contact_attempts' ORDER BY seq DESC LIMIT 1",
      );
      const changes: unknown =
        typeof audit.changes === 'string' ? JSON.parse(audit.changes) : audit.changes;
      expect(changes).toMatchObject({ before: { days: 2557 }, after: { days: 2000 } });

      // A receipt of an inbound text from long ago, and its rule switched off.
      const receipt = `test-${uuidv7()}`;
      await app.db.query(
        "INSERT INTO inbound_messages (provider_message_id, intent, received_at) VALUES (?, 'none', NOW(3) - INTERVAL 400 DAY)",
        [receipt],
      );
      await app.t.gql(UPDATE, { input: { rule: 'inbound_messages', enabled: false } }, admin);
      const preview = await app.t.gql<{
        retentionPreview: { rule: string; wouldRemove: number }[];
      }>(PREVIEW, undefined, admin);
      expect(
        preview.data!.retentionPreview.find((r) => r.rule === 'inbound_messages')!.wouldRemove,
      ).toBe(0);
      const run = await app.t.gql<{ runRetentionPurge: { results: Result[] } }>(
        RUN,
        undefined,
        admin,
      );
      expect(
        run.data!.runRetentionPurge.results.find((r) => r.rule === 'inbound_messages'),
      ).toMatchObject({ removed: 0 });
      const [kept] = await rows(
        'SELECT COUNT(*) AS n FROM inbound_messages WHERE provider_message_id = ?',
        [receipt],
      );
      expect(Number(kept.n)).toBe(1);
      const policy = await app.t.gql<{ retentionPolicy: { rule: string; enabled: boolean }[] }>(
        '{ retentionPolicy { rule enabled } }',
        undefined,
        admin,
      );
      expect(policy.data!.retentionPolicy).toContainEqual({
        rule: 'inbound_messages',
        enabled: false,
      });
    } finally {
      // The configured defaults again, for the suites after this one.
      await app.db.query('DELETE FROM retention_policies');
    }
  });

  it('stops writing when it loses the connection that holds its lock, so no second run works beside it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 20)
      ids.push(
        ...(await Promise.all(Array.from({ length: 20 }, () => makeCustomer(app.t)))).map(
          (c) => c.id,
        ),
      );
    await app.db.query(
      'UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id IN (?)',
      [ids],
    );
    const erasedCount = async () =>
      Number(
        (
          await rows("SELECT COUNT(*) AS n FROM customers WHERE id IN (?) AND status = 'erased'", [
            ids,
          ])
        )[0].n,
      );

    const first = app.t.gql<{ runRetentionPurge: { runId: number } }>(RUN, undefined, admin);
    // The server says which connection holds the purge lock: it is cut mid-run (a proxy timeout).
    const holder = await until('the purge to be under way', async () => {
      const [{ id }] = await rows("SELECT IS_USED_LOCK('callwarden.retention') AS id");
      return id !== null && (await erasedCount()) >= 5 && String(id);
    });
    await app.db.query(`KILL ${Number(holder)}`);
    const cut = await first;
    expect(cut.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    // Nothing more is erased by the run that lost its lock.
    const atCut = await erasedCount();
    await new Promise((r) => setTimeout(r, 300));
    expect(await erasedCount()).toBe(atCut);
    expect(atCut).toBeLessThan(ids.length);

    const next = await app.t.gql<{
      runRetentionPurge: { runId: number; interruptedRuns: { id: number }[] };
    }>(RUN, undefined, admin);
    expect(next.errors).toBeUndefined();
    expect(next.data!.runRetentionPurge.interruptedRuns).toHaveLength(1);
    expect(await erasedCount()).toBe(ids.length);
    // Each customer erased once, by one run or the other.
    const events = await rows(
      "SELECT resource_id, COUNT(*) AS n FROM audit_events WHERE action = 'retention.customer_erased' AND resource_id IN (?) GROUP BY resource_id",
      [ids],
    );
    expect(events).toHaveLength(ids.length);
    expect(events.every((e) => Number(e.n) === 1)).toBe(true);
  }, 180_000);
});
