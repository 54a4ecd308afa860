import { createHmac } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { AUDIT_TRIGGERS } from '../src/core/database/migrations/1764000200000-Audit';
import { AuditService } from '../src/modules/audit/audit.service';
import { ActorType, AuditResult } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { SiemForwarderService } from '../src/modules/audit/services/siem-forwarder.service';
import { adminConnection } from './utils/db';
import { HttpSink } from './utils/http-sink';
import { startTestApp, TestApp } from './utils/test-app';

const system = { type: ActorType.System, id: 'audit-e2e' };

describe('audit log (e2e, real database)', () => {
  let t: TestApp;
  let other: TestApp;
  let db: Connection;
  let audit: AuditService;
  let verifier: AuditVerifierService;

  beforeAll(async () => {
    t = await startTestApp();
    other = await startTestApp();
    audit = t.app.get(AuditService);
    verifier = t.app.get(AuditVerifierService);
    db = await adminConnection();
  });
  afterAll(async () => {
    await db.end();
    await other.close();
    await t.close();
  });

  it('keeps a gapless, verifiable chain under 1,000 concurrent appends from two processes’ pools', async () => {
    const [before] = await db.query<RowDataPacket[]>(
      'SELECT last_seq FROM audit_chain_head WHERE id = 1',
    );
    const start = BigInt(before[0].last_seq as string);
    const apps = [t, other].map((a) => a.app.get(AuditService));
    const receipts = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        apps[i % 2].record({
          action: 'test.concurrent',
          actor: system,
          resourceType: 'Test',
          resourceId: String(i),
        }),
      ),
    );
    const seqs = receipts.map((r) => BigInt(r.seq)).sort((a, b) => (a < b ? -1 : 1));
    expect(new Set(seqs).size).toBe(1000);
    expect(seqs[0]).toBe(start + 1n);
    expect(seqs[999]).toBe(start + 1000n);
    const [gap] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, MAX(seq) - MIN(seq) + 1 AS span FROM audit_events',
    );
    expect(Number(gap[0].n)).toBe(Number(gap[0].span));
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('refuses UPDATE and DELETE of audit rows through the application’s connection', async () => {
    await audit.record({ action: 'test.immutable', actor: system });
    const ds = t.app.get(DataSource);
    await expect(
      ds.query("UPDATE audit_events SET action = 'x' ORDER BY seq DESC LIMIT 1"),
    ).rejects.toThrow(/append-only/);
    await expect(ds.query('DELETE FROM audit_events ORDER BY seq DESC LIMIT 1')).rejects.toThrow(
      /retention purge/,
    );
    // And the application's account cannot lift the guard: no DDL, no TRIGGER privilege.
    await expect(ds.query('DROP TRIGGER audit_events_no_update')).rejects.toThrow(/denied/i);
    await expect(ds.query('ALTER TABLE audit_events ADD COLUMN x INT')).rejects.toThrow(/denied/i);
    await expect(ds.query('DELETE FROM audit_checkpoints')).resolves.toBeDefined(); // empty set: nothing to refuse yet
    await verifier.checkpoint();
    await expect(ds.query('DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only/);
  });

  it('detects a row changed directly in the database by the DBA and names it', async () => {
    const { seq } = await audit.record({
      action: 'test.tamper-target',
      actor: system,
      resourceId: 'r-1',
    });
    await audit.record({ action: 'test.after-tamper', actor: system });
    await db.query('DROP TRIGGER audit_events_no_update');
    try {
      await db.query("UPDATE audit_events SET resource_id = 'r-2' WHERE seq = ?", [seq]);
    } finally {
      await db.query(AUDIT_TRIGGERS.audit_events_no_update);
    }
    const result = await verifier.verify();
    expect(result).toMatchObject({ ok: false, brokenAt: seq, reason: 'content_hash_mismatch' });
    // Put it back so later tests see a sound chain.
    await db.query('DROP TRIGGER audit_events_no_update');
    try {
      await db.query("UPDATE audit_events SET resource_id = 'r-1' WHERE seq = ?", [seq]);
    } finally {
      await db.query(AUDIT_TRIGGERS.audit_events_no_update);
    }
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('detects a rewritten chain through the signed checkpoint', async () => {
    const { seq } = await audit.record({ action: 'test.checkpointed', actor: system });
    await verifier.checkpoint();
    // An attacker who rewrites a row and recomputes every later hash still cannot re-sign the checkpoint.
    const [rows] = await db.query<RowDataPacket[]>('SELECT hash FROM audit_events WHERE seq = ?', [
      seq,
    ]);
    await db.query('DROP TRIGGER audit_events_no_update');
    try {
      await db.query('UPDATE audit_events SET hash = ? WHERE seq = ?', [Buffer.alloc(32, 7), seq]);
      const result = await verifier.verify(String(seq), String(seq));
      expect(result.ok).toBe(false);
      await db.query('UPDATE audit_events SET hash = ? WHERE seq = ?', [rows[0].hash, seq]);
    } finally {
      await db.query(AUDIT_TRIGGERS.audit_events_no_update);
    }
  });

  it('records a failed mutation with its code and none of the PII it carried', async () => {
    const email = 'audit.pii.probe@example.com';
    const res = await t.gql(
      'mutation Rotate($input: RotateDataKeyInput!) { rotateDataKey(input: $input) { current { id } } }',
      { input: { purpose: email } },
    );
    expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const requestId = res.headers.get('x-request-id');
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT * FROM audit_events WHERE request_id = ?',
      [requestId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'graphql.rotateDataKey',
      result: 'failure',
      error_code: 'UNAUTHENTICATED',
      actor_type: 'anonymous',
      ip: '127.0.0.1',
    });
    expect(Number(rows[0].duration_ms)).toBeGreaterThanOrEqual(0);
    const [all] = await db.query<RowDataPacket[]>(
      'SELECT changes, resource_id, user_agent FROM audit_events',
    );
    expect(JSON.stringify(all)).not.toContain(email);
    expect(JSON.stringify(all)).not.toContain('audit.pii.probe');
  });

  it('records a mutation refused by validation before it ran', async () => {
    const res = await t.gql(
      'mutation { rotateDataKey(input: { purpose: 42 }) { current { id } } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT action, result, error_code FROM audit_events WHERE request_id = ?',
      [res.headers.get('x-request-id')],
    );
    expect(rows).toEqual([
      { action: 'graphql.rotateDataKey', result: 'failure', error_code: 'BAD_USER_INPUT' },
    ]);
  });

  it('searches newest first with a cursor, served by indexes', async () => {
    for (let i = 0; i < 5; i++)
      await audit.record({
        action: 'test.search',
        actor: { ...system, id: 'searcher' },
        resourceId: `s-${i}`,
      });
    const page1 = await audit.search({ action: 'test.search', actorId: 'searcher' }, 3);
    expect(page1.items.map((e) => e.resourceId)).toEqual(['s-4', 's-3', 's-2']);
    const page2 = await audit.search(
      { action: 'test.search', actorId: 'searcher' },
      3,
      page1.nextCursor,
    );
    expect(page2.items.map((e) => e.resourceId)).toEqual(['s-1', 's-0']);
    expect(page2.nextCursor).toBeNull();
    const [plan] = await db.query<RowDataPacket[]>(
      "EXPLAIN SELECT * FROM audit_events WHERE actor_id = 'searcher' AND action = 'test.search' ORDER BY seq DESC LIMIT 4",
    );
    expect(String(plan[0].key)).toMatch(/ix_audit_(actor|action)/);
    expect(plan[0].type).not.toBe('ALL');

    await audit.record({
      action: 'auth.login',
      actor: { type: ActorType.Anonymous },
      result: AuditResult.Failure,
      errorCode: 'BAD_CREDENTIALS',
    });
    const failed = await audit.failedLogins(10);
    expect(failed.items[0]).toMatchObject({ action: 'auth.login', result: 'failure' });

    await audit.record({
      action: 'customer.read',
      actor: { ...system, id: 'reader' },
      resourceType: 'Customer',
      resourceId: 'c-1',
    });
    await audit.record({
      action: 'customer.read',
      actor: { ...system, id: 'reader' },
      resourceType: 'Customer',
      resourceId: 'c-1',
    });
    const report = await audit.dataAccess(
      'Customer',
      new Date(Date.now() - 60000),
      new Date(Date.now() + 60000),
      'reader',
    );
    expect(report).toEqual([
      expect.objectContaining({
        actorId: 'reader',
        resourceId: 'c-1',
        action: 'customer.read',
        count: 2,
      }),
    ]);
  });

  it('purges old rows only through the retention path, leaving a chain that verifies from the checkpoint', async () => {
    const { seq } = await audit.record({ action: 'test.before-purge', actor: system });
    await audit.record({ action: 'test.after-purge', actor: system });
    const removed = await t.app.get(DataSource).transaction(async (m) => {
      const n = await verifier.purgeUpTo(m, seq);
      await audit.record(
        { action: 'audit.purged', actor: system, changes: { uptoSeq: seq, removed: n } },
        m,
      );
      return n;
    });
    expect(removed).toBeGreaterThan(0);
    const [rows] = await db.query<RowDataPacket[]>('SELECT MIN(seq) AS min FROM audit_events');
    expect(BigInt(rows[0].min as string)).toBe(BigInt(seq) + 1n);
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('delivers critical events to the SIEM after the receiver comes back, signed', async () => {
    const sink = new HttpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop(); // the receiver is down
    const secret = 'siem-test-secret-0123456789';
    const app = await startTestApp({
      SIEM_WEBHOOK_URL: `http://127.0.0.1:${port}/siem`,
      SIEM_WEBHOOK_SECRET: secret,
      SIEM_POLL_INTERVAL_MS: '100',
      SIEM_RETRY_BASE_MS: '50',
    });
    try {
      const { seq } = await app.app
        .get(AuditService)
        .record({ action: 'user.created', actor: system, resourceType: 'User', resourceId: 'u-1' });
      // Attempts fail while it is down, and the event stays queued.
      await waitFor(async () => {
        const [rows] = await db.query<RowDataPacket[]>(
          'SELECT attempts, delivered_at FROM audit_siem_outbox WHERE audit_seq = ?',
          [seq],
        );
        return rows.length === 1 && Number(rows[0].attempts) >= 2 && rows[0].delivered_at === null;
      });
      await sink.start(port);
      const seqOf = (r: { body: string }) => (JSON.parse(r.body) as { seq: string }).seq;
      await waitFor(() => Promise.resolve(sink.received.some((r) => seqOf(r) === seq)));
      const delivery = sink.received.find((r) => seqOf(r) === seq)!;
      const expected = createHmac('sha256', secret)
        .update(`${delivery.headers['x-callwarden-timestamp'] as string}.${delivery.body}`)
        .digest('hex');
      expect(delivery.headers['x-callwarden-signature']).toBe(`sha256=${expected}`);
      expect(JSON.parse(delivery.body)).toMatchObject({
        action: 'user.created',
        resource: { type: 'User', id: 'u-1' },
      });
      // The receiver has it; the outbox marks it delivered once the sender saw the 2xx.
      await waitFor(async () => {
        const [rows] = await db.query<RowDataPacket[]>(
          'SELECT delivered_at FROM audit_siem_outbox WHERE audit_seq = ?',
          [seq],
        );
        return rows[0].delivered_at !== null;
      });
      expect(await app.app.get(SiemForwarderService).deliverDue()).toBe(0); // delivered once, not again
      expect(sink.received.filter((r) => seqOf(r) === seq)).toHaveLength(1);
    } finally {
      await app.close();
      await sink.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
