import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { startAppProcess, type AppProcess } from './utils/app-process';
import { adminConnection } from './utils/db';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { startTestApp, TestApp } from './utils/test-app';

const ROOT = join(__dirname, '..');
const CUSTOMERS = 300;
const RULE = 'customers.soft_deleted';
const RUN = `mutation {
  runRetentionPurge { runId interruptedRuns { id startedAt } results { rule removed } }
}`;

interface SiemEvent {
  seq: string;
  action: string;
  resource: { type: string | null; id: string | null };
  changes: Record<string, unknown> | null;
}

/** JSON columns come back as text from MariaDB (JSON is LONGTEXT there) and parsed from MySQL. */
function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('retention purge killed mid-run (e2e)', () => {
  let t: TestApp;
  let db: Connection;
  let sink: HttpSink;
  let app: AppProcess | undefined;
  let cli: ChildProcess | undefined;

  beforeAll(async () => {
    t = await startTestApp({ RETENTION_CRON: 'off' });
    db = await adminConnection();
    sink = new HttpSink();
    await sink.start();
  });
  afterAll(async () => {
    if (cli) {
      cli.kill('SIGKILL');
      await exited(cli);
    }
    await app?.stop();
    await sink.stop();
    await db.end();
    await t.close();
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await db.query<RowDataPacket[]>(sql, params))[0];
  const erasedOf = async (ids: string[]) =>
    Number(
      (
        await rows("SELECT COUNT(*) AS n FROM customers WHERE id IN (?) AND status = 'erased'", [
          ids,
        ])
      )[0].n,
    );

  it('leaves an interrupted record after the next run, and both runs reach the SIEM', async () => {
    // Customers soft-deleted long enough ago to be erased (the default keeps them 30 days).
    const ids: string[] = [];
    for (let i = 0; i < CUSTOMERS; i += 20) {
      const made = await Promise.all(Array.from({ length: 20 }, () => makeCustomer(t)));
      ids.push(...made.map((c) => c.id));
    }
    await db.query('UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id IN (?)', [
      ids,
    ]);
    const [{ lastRun }] = await rows('SELECT COALESCE(MAX(id), 0) AS lastRun FROM retention_runs');

    // The operator starts a purge from the CLI, and its process dies part-way through the erasures.
    // No SIEM receiver is configured for it: its critical events wait in the outbox.
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'src/cli.ts', 'retention:run'],
      {
        cwd: ROOT,
        env: { ...process.env, RETENTION_CRON: 'off', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cli = child;
    let cliOutput = '';
    child.stdout.on('data', (c: Buffer) => (cliOutput += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (cliOutput += c.toString('utf8')));
    await until(
      'the CLI purge to erase some customers',
      async () => {
        if (child.exitCode !== null) throw new Error(`the CLI exited early:\n${cliOutput}`);
        return (await erasedOf(ids)) >= 10;
      },
      120_000,
    );
    child.kill('SIGKILL');
    await exited(child);
    cli = undefined;
    const erasedByKilled = await erasedOf(ids);
    // Otherwise this test proves nothing: more customers make the purge take longer.
    expect(erasedByKilled).toBeLessThan(CUSTOMERS);

    // The dead run's row is still `running`, and its count is exactly what it committed.
    const [killed] = await rows('SELECT * FROM retention_runs WHERE id > ? ORDER BY id', [lastRun]);
    expect(killed).toMatchObject({ status: 'running', current_rule: RULE, finished_at: null });
    const killedId = Number(killed.id);
    const erasedEvents = async (runId: number) =>
      rows(
        "SELECT resource_id FROM audit_events WHERE action = 'retention.customer_erased' AND JSON_VALUE(changes, '$.runId') = ?",
        [runId],
      );
    const killedCount = json<Record<string, number>>(killed.counts)[RULE];
    expect(killedCount).toBe((await erasedEvents(killedId)).length);
    expect(killedCount).toBeGreaterThanOrEqual(erasedByKilled);

    // The server frees the dead connection's lock; then the app runs the next purge over HTTP, with
    // the SIEM receiver configured.
    await until('the purge lock to be free', async () => {
      const [{ free }] = await rows("SELECT IS_FREE_LOCK('callwarden.retention') AS free");
      return Number(free) === 1;
    });
    app = await startAppProcess({
      RETENTION_CRON: 'off',
      // The test environment is silent; the app's warnings and errors are the diagnostic below.
      LOG_LEVEL: 'warn',
      SIEM_WEBHOOK_URL: sink.url,
      SIEM_WEBHOOK_SECRET: 'retention-crash-siem-secret-0123456789',
      SIEM_POLL_INTERVAL_MS: '100',
      SIEM_RETRY_BASE_MS: '50',
    });
    const admin = (await signIn(t, await makeUser(t, 'admin', { mfa: true }))).auth;
    const res = await app.gql<{
      runRetentionPurge: {
        runId: number;
        interruptedRuns: { id: number; startedAt: string }[];
        results: { rule: string; removed: number }[];
      };
    }>(RUN, undefined, admin);
    // The app's own log says why, if it failed (its errors carry no detail over HTTP): the
    // `graphql request failed` line has the driver's code and errno, and the stack.
    if (res.errors)
      throw new Error(
        `the purge failed: ${JSON.stringify(res.errors)}\napp log:\n${app.output().slice(-8000)}`,
      );
    const report = res.data!.runRetentionPurge;
    const nextId = report.runId;
    expect(report.interruptedRuns).toEqual([
      { id: killedId, startedAt: new Date(killed.started_at as Date).toISOString() },
    ]);
    expect(report.results.find((r) => r.rule === RULE)!.removed).toBeGreaterThanOrEqual(
      CUSTOMERS - killedCount,
    );

    // The ledger: the dead run closed as interrupted, the new one completed.
    const runs = await rows(
      'SELECT id, status, finished_at, counts FROM retention_runs WHERE id IN (?, ?) ORDER BY id',
      [killedId, nextId],
    );
    expect(runs.map((r) => [Number(r.id), r.status as string])).toEqual([
      [killedId, 'interrupted'],
      [nextId, 'completed'],
    ]);
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);
    expect(json<Record<string, number>>(runs[0].counts)[RULE]).toBe(killedCount);

    // Every soft-deleted customer is erased, once, by one run or the other.
    expect(await erasedOf(ids)).toBe(CUSTOMERS);
    const byKilled = (await erasedEvents(killedId)).map((r) => r.resource_id as string);
    const byNext = (await erasedEvents(nextId)).map((r) => r.resource_id as string);
    expect(new Set([...byKilled, ...byNext].filter((id) => ids.includes(id))).size).toBe(CUSTOMERS);
    expect(byKilled.filter((id) => byNext.includes(id))).toEqual([]);

    // The audit log: the interruption (found by the new run) and the new run's summary.
    const [interrupted] = await rows(
      "SELECT seq, actor_id, changes FROM audit_events WHERE action = 'retention.purge_interrupted' AND resource_type = 'RetentionRun' AND resource_id = ?",
      [String(killedId)],
    );
    expect(json<Record<string, unknown>>(interrupted.changes)).toMatchObject({
      runId: killedId,
      cause: 'abandoned',
      atRule: RULE,
      removed: { [RULE]: killedCount },
      startedBy: { type: 'system' },
    });
    const [summary] = await rows(
      "SELECT seq, changes FROM audit_events WHERE action = 'retention.purged' AND resource_type = 'RetentionRun' AND resource_id = ?",
      [String(nextId)],
    );
    expect(json<Record<string, unknown>>(summary.changes)).toMatchObject({
      runId: nextId,
      interruptedRunIds: [killedId],
      removed: { [RULE]: report.results.find((r) => r.rule === RULE)!.removed },
    });

    // The SIEM receiver gets both, and every erasure, the dead run's included.
    const received = () => sink.received.map((r) => JSON.parse(r.body) as SiemEvent);
    const erasedSeqs = (
      await rows(
        "SELECT seq FROM audit_events WHERE action = 'retention.customer_erased' AND resource_id IN (?)",
        [ids],
      )
    ).map((r) => String(r.seq));
    const expected = [String(interrupted.seq), String(summary.seq), ...erasedSeqs];
    await until('the SIEM receiver to get every retention event', () => {
      const seen = new Set(received().map((e) => e.seq));
      return Promise.resolve(expected.every((seq) => seen.has(seq)));
    });
    const events = received();
    expect(events.find((e) => e.seq === String(interrupted.seq))).toMatchObject({
      action: 'retention.purge_interrupted',
      resource: { type: 'RetentionRun', id: String(killedId) },
      changes: { runId: killedId, removed: { [RULE]: killedCount } },
    });
    expect(events.find((e) => e.seq === String(summary.seq))).toMatchObject({
      action: 'retention.purged',
      resource: { type: 'RetentionRun', id: String(nextId) },
      changes: { runId: nextId, interruptedRunIds: [killedId] },
    });
    const erasedAtSiem = events.filter((e) => e.action === 'retention.customer_erased');
    expect(new Set(erasedAtSiem.map((e) => e.resource.id)).size).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(
      erasedAtSiem.filter((e) => e.changes?.runId === killedId).map((e) => e.resource.id),
    ).toEqual(expect.arrayContaining(byKilled));

    // And the outbox knows they were delivered.
    await until('the outbox to mark them delivered', async () => {
      const [{ n }] = await rows(
        'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq IN (?) AND delivered_at IS NOT NULL',
        [expected],
      );
      return Number(n) === expected.length;
    });
  }, 300_000);
});
