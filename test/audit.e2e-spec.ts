import { createHmac } from 'node:crypto';
import {
  createConnection,
  type Connection,
  type ResultSetHeader,
  type RowDataPacket,
} from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { AUDIT_TRIGGERS } from '../src/core/database/migrations/1764000200000-Audit';
import { AuditService } from '../src/modules/audit/audit.service';
import { CheckpointKind } from '../src/modules/audit/entities/audit-checkpoint.entity';
import { ActorType, AuditResult } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { SiemForwarderService } from '../src/modules/audit/services/siem-forwarder.service';
import { chainHash, type ChainedFields } from '../src/modules/audit/utils/canonical';
import { HttpSink } from './utils/http-sink';
import { startTestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

const system = { type: ActorType.System, id: 'audit-e2e' };

describe('audit log (e2e, real database)', () => {
  const app = useTestApp();
  const other = useTestApp();
  let audit: AuditService;
  let verifier: AuditVerifierService;

  beforeAll(() => {
    audit = app.t.app.get(AuditService);
    verifier = app.t.app.get(AuditVerifierService);
  });

  it('keeps a gapless, verifiable chain under 1,000 concurrent appends from two processes’ pools', async () => {
    const [before] = await app.db.query<RowDataPacket[]>(
      'SELECT last_seq FROM audit_chain_head WHERE id = 1',
    );
    const start = BigInt(before[0].last_seq as string);
    const apps = [app.t, other.t].map((a) => a.app.get(AuditService));
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
    const [gap] = await app.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, MAX(seq) - MIN(seq) + 1 AS span FROM audit_events',
    );
    expect(Number(gap[0].n)).toBe(Number(gap[0].span));
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('refuses UPDATE and DELETE of audit rows through the application’s connection', async () => {
    await audit.record({ action: 'test.immutable', actor: system });
    const ds = app.t.app.get(DataSource);
    await expect(
      ds.query("UPDATE audit_events SET action = 'x' ORDER BY seq DESC LIMIT 1"),
    ).rejects.toThrow(/append-only/);
    await expect(ds.query('DELETE FROM audit_events ORDER BY seq DESC LIMIT 1')).rejects.toThrow(
      /retention purge/,
    );
    // And the application's account cannot lift the guard: no DDL, no TRIGGER privilege.
    await expect(ds.query('DROP TRIGGER audit_events_no_update')).rejects.toThrow(/denied/i);
    await expect(ds.query('ALTER TABLE audit_events ADD COLUMN x INT')).rejects.toThrow(/denied/i);
    // (Other suites may have written checkpoints already; one more makes sure there is a row.)
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
    await app.db.query('DROP TRIGGER audit_events_no_update');
    try {
      await app.db.query("UPDATE audit_events SET resource_id = 'r-2' WHERE seq = ?", [seq]);
    } finally {
      await app.db.query(AUDIT_TRIGGERS.audit_events_no_update);
    }
    const result = await verifier.verify();
    expect(result).toMatchObject({ ok: false, brokenAt: seq, reason: 'content_hash_mismatch' });
    // Put it back so later tests see a sound chain.
    await app.db.query('DROP TRIGGER audit_events_no_update');
    try {
      await app.db.query("UPDATE audit_events SET resource_id = 'r-1' WHERE seq = ?", [seq]);
    } finally {
      await app.db.query(AUDIT_TRIGGERS.audit_events_no_update);
    }
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('detects a rewritten chain through the signed checkpoint', async () => {
    const { seq: target } = await audit.record({
      action: 'test.checkpointed',
      actor: system,
      resourceType: 'Payment',
      resourceId: 'pay-100',
      changes: { amount: 100 },
    });
    await audit.record({ action: 'test.checkpointed-next', actor: system });
    const checkpoint = await verifier.checkpoint();
    expect(checkpoint).not.toBeNull();
    const signedAt = String(checkpoint!.uptoSeq);
    await audit.record({ action: 'test.after-checkpoint', actor: system });
    expect(await verifier.verify()).toMatchObject({ ok: true });

    // The attacker, as DBA, rewrites one entry's content and re-links every later row and the head
    // so that content, links and head all agree: only the signed checkpoint still remembers.
    const original = await rewriteChain(app.db, target, (row) =>
      row.seq === target ? { ...row, resourceId: 'pay-999', changes: { amount: 1 } } : row,
    );
    try {
      const [forged] = await app.db.query<RowDataPacket[]>(
        'SELECT resource_id FROM audit_events WHERE seq = ?',
        [target],
      );
      expect(forged[0].resource_id).toBe('pay-999');
      // The forgery is self-consistent: the chain before the checkpoint and after it verifies.
      expect(await verifier.verify(target, String(BigInt(signedAt) - 1n))).toMatchObject({
        ok: true,
      });
      expect(await verifier.verify(String(BigInt(signedAt) + 1n))).toMatchObject({ ok: true });
      // Across the checkpoint it does not.
      expect(await verifier.verify()).toMatchObject({
        ok: false,
        brokenAt: signedAt,
        reason: 'checkpoint_mismatch',
      });
    } finally {
      // Put every row and the head back so later tests see a sound chain.
      await rewriteChain(app.db, target, (row) => original.get(row.seq) ?? row);
    }
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('records a failed mutation with its code and none of the PII it carried', async () => {
    const email = 'audit.pii.probe@example.com';
    const res = await app.t.gql(
      'mutation Rotate($input: RotateDataKeyInput!) { rotateDataKey(input: $input) { current { id } } }',
      { input: { purpose: email } },
    );
    expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const requestId = res.headers.get('x-request-id');
    const [rows] = await app.db.query<RowDataPacket[]>(
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
    const [all] = await app.db.query<RowDataPacket[]>(
      'SELECT changes, resource_id, user_agent FROM audit_events',
    );
    expect(JSON.stringify(all)).not.toContain(email);
    expect(JSON.stringify(all)).not.toContain('audit.pii.probe');
  });

  it('records a mutation refused by validation before it ran', async () => {
    const res = await app.t.gql(
      'mutation { rotateDataKey(input: { purpose: 42 }) { current { id } } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT action, result, error_code FROM audit_events WHERE request_id = ?',
      [res.headers.get('x-request-id')],
    );
    expect(rows).toEqual([
      { action: 'graphql.rotateDataKey', result: 'failure', error_code: 'BAD_USER_INPUT' },
    ]);
  });

  it('records every call of an @AuditSensitive query, refused ones too, and no other query', async () => {
    const sensitive = await app.t.gql('{ search: auditEvents(first: 1) { items { seq } } }');
    const plain = await app.t.gql('{ roles { name } }');
    for (const res of [sensitive, plain])
      expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT action, result, error_code FROM audit_events WHERE request_id IN (?, ?)',
      [sensitive.headers.get('x-request-id'), plain.headers.get('x-request-id')],
    );
    expect(rows).toEqual([
      { action: 'graphql.auditEvents', result: 'failure', error_code: 'UNAUTHENTICATED' },
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
    const [plan] = await app.db.query<RowDataPacket[]>(
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
    const removed = await app.t.app.get(DataSource).transaction(async (m) => {
      const n = await verifier.purgeUpTo(m, seq);
      await audit.record(
        { action: 'audit.purged', actor: system, changes: { uptoSeq: seq, removed: n } },
        m,
      );
      return n;
    });
    expect(removed).toBeGreaterThan(0);
    const [rows] = await app.db.query<RowDataPacket[]>('SELECT MIN(seq) AS min FROM audit_events');
    expect(BigInt(rows[0].min as string)).toBe(BigInt(seq) + 1n);
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('delivers critical events to the SIEM after the receiver comes back, signed', async () => {
    const sink = new HttpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop(); // the receiver is down
    const secret = 'siem-test-secret-0123456789';
    // Earlier suites ran without a receiver: their critical events wait in the outbox, oldest first,
    // and a forwarder facing a down receiver tries one at a time. Set them aside, so this test
    // watches its own event rather than how long the shared backlog takes.
    await app.db.query(
      'UPDATE audit_siem_outbox SET delivered_at = NOW(3) WHERE delivered_at IS NULL',
    );
    const siem = await startTestApp({
      SIEM_WEBHOOK_URL: `http://127.0.0.1:${port}/siem`,
      SIEM_WEBHOOK_SECRET: secret,
      SIEM_POLL_INTERVAL_MS: '100',
      SIEM_RETRY_BASE_MS: '50',
    });
    try {
      const { seq } = await siem.app
        .get(AuditService)
        .record({ action: 'user.created', actor: system, resourceType: 'User', resourceId: 'u-1' });
      // Attempts fail while it is down, and the event stays queued.
      await waitFor(async () => {
        const [rows] = await app.db.query<RowDataPacket[]>(
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
      // At least once: a resend after a crash carries the same key, so the receiver deduplicates.
      expect(delivery.headers['idempotency-key']).toBe(`audit-${seq}`);
      expect(JSON.parse(delivery.body)).toMatchObject({
        action: 'user.created',
        resource: { type: 'User', id: 'u-1' },
      });
      // The receiver has it; the outbox marks it delivered once the sender saw the 2xx.
      await waitFor(async () => {
        const [rows] = await app.db.query<RowDataPacket[]>(
          'SELECT delivered_at FROM audit_siem_outbox WHERE audit_seq = ?',
          [seq],
        );
        return rows[0].delivered_at !== null;
      });
      // Every call counts, the delivering one too: at least two failures and the success.
      const [[sent]] = await app.db.query<RowDataPacket[]>(
        'SELECT attempts FROM audit_siem_outbox WHERE audit_seq = ?',
        [seq],
      );
      expect(Number(sent.attempts)).toBeGreaterThanOrEqual(3);
      // Another pass may deliver other suites' queued events, never this one again.
      await siem.app.get(SiemForwarderService).deliverDue();
      expect(sink.received.filter((r) => seqOf(r) === seq)).toHaveLength(1);
    } finally {
      await siem.close();
      await sink.stop();
    }
  });

  describe('append-only triggers, against the application’s own database user', () => {
    let appDb: Connection;
    const count = async (sql: string, args: unknown[] = []) =>
      Number((await appDb.query<RowDataPacket[]>(sql, args))[0][0].n);

    beforeAll(async () => {
      appDb = await createConnection({ uri: process.env.DATABASE_URL, timezone: 'Z' });
    });
    afterAll(async () => {
      await appDb.end();
    });

    it('deletes audit rows only under the purge flag and only up to the signed purge bound', async () => {
      const { seq: oldest } = await audit.record({ action: 'test.purge-bound-1', actor: system });
      const { seq: bound } = await audit.record({ action: 'test.purge-bound-2', actor: system });
      // The purge path signs the bound first (a purge checkpoint of the head), then deletes.
      const checkpoint = await verifier.checkpoint(CheckpointKind.Purge);
      expect(String(checkpoint!.uptoSeq)).toBe(bound);
      const { seq: above } = await audit.record({ action: 'test.purge-bound-3', actor: system });
      const kept = () =>
        count('SELECT COUNT(*) AS n FROM audit_events WHERE seq BETWEEN ? AND ?', [oldest, above]);
      expect(await kept()).toBe(Number(BigInt(above) - BigInt(oldest)) + 1);
      const before = await kept();

      // Below the bound but without the purge flag: refused.
      await expect(appDb.query('DELETE FROM audit_events WHERE seq = ?', [oldest])).rejects.toThrow(
        /removed only by the retention purge/,
      );
      await appDb.query('SET @callwarden_audit_purge = 1');
      try {
        // With the flag but past the bound: refused, and a statement reaching past it removes nothing.
        await expect(
          appDb.query('DELETE FROM audit_events WHERE seq = ?', [above]),
        ).rejects.toThrow(/removed only by the retention purge/);
        await expect(
          appDb.query('DELETE FROM audit_events WHERE seq <= ?', [above]),
        ).rejects.toThrow(/removed only by the retention purge/);
        expect(await kept()).toBe(before);
        // With the flag and up to the bound, as purgeUpTo does it: allowed.
        const [deleted] = await appDb.query<ResultSetHeader>(
          'DELETE FROM audit_events WHERE seq <= ?',
          [bound],
        );
        expect(deleted.affectedRows).toBeGreaterThanOrEqual(2);
      } finally {
        await appDb.query('SET @callwarden_audit_purge = 0');
      }
      expect(await count('SELECT MIN(seq) AS n FROM audit_events')).toBe(Number(above));
      expect(await verifier.verify()).toMatchObject({ ok: true, firstSeq: above });
    });

    it('refuses to change or remove a signed checkpoint, or to remove the chain head', async () => {
      await audit.record({ action: 'test.checkpoint-guard', actor: system });
      const checkpoint = (await verifier.checkpoint())!;
      const [[saved]] = await appDb.query<RowDataPacket[]>(
        'SELECT upto_seq, head_hash, signature FROM audit_checkpoints WHERE id = ?',
        [checkpoint.id],
      );
      const [[head]] = await appDb.query<RowDataPacket[]>(
        'SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1',
      );
      await appDb.query('SET @callwarden_audit_purge = 1'); // the purge flag lifts none of these
      try {
        await expect(
          appDb.query('UPDATE audit_checkpoints SET head_hash = ? WHERE id = ?', [
            Buffer.alloc(32, 9),
            checkpoint.id,
          ]),
        ).rejects.toThrow(/audit_checkpoints is append-only/);
        await expect(
          appDb.query('UPDATE audit_checkpoints SET upto_seq = upto_seq + 1 WHERE id = ?', [
            checkpoint.id,
          ]),
        ).rejects.toThrow(/audit_checkpoints is append-only/);
        await expect(
          appDb.query('DELETE FROM audit_checkpoints WHERE id = ?', [checkpoint.id]),
        ).rejects.toThrow(/audit_checkpoints is append-only/);
        await expect(appDb.query('DELETE FROM audit_chain_head WHERE id = 1')).rejects.toThrow(
          /the audit chain head cannot be deleted/,
        );
      } finally {
        await appDb.query('SET @callwarden_audit_purge = 0');
      }
      const [[after]] = await appDb.query<RowDataPacket[]>(
        'SELECT upto_seq, head_hash, signature FROM audit_checkpoints WHERE id = ?',
        [checkpoint.id],
      );
      expect(after).toEqual(saved);
      const [heads] = await appDb.query<RowDataPacket[]>(
        'SELECT last_seq, last_hash FROM audit_chain_head',
      );
      expect(heads).toEqual([head]);
      expect(await verifier.verify()).toMatchObject({ ok: true });
    });
  });
});

/** An audit row as chainHash sees it, read by the DBA (JSON may come back as text). */
function chainedFields(row: RowDataPacket): ChainedFields {
  const changes = row.changes as unknown;
  return {
    seq: String(row.seq),
    occurredAt: row.occurred_at as Date,
    actorType: row.actor_type as string,
    actorId: row.actor_id as string | null,
    actorRole: row.actor_role as string | null,
    action: row.action as string,
    resourceType: row.resource_type as string | null,
    resourceId: row.resource_id as string | null,
    result: row.result as string,
    errorCode: row.error_code as string | null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    requestId: row.request_id as string | null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    changes: typeof changes === 'string' ? (JSON.parse(changes) as unknown) : changes,
  };
}

/**
 * What a DBA with a grudge can do: with the update guard dropped and the head locked, give every
 * row from `from` to the head the content `rewrite` returns, re-link prev_hash and hash from the
 * row before, and move the head to the new last hash. Returns the rows as they were.
 */
async function rewriteChain(
  db: Connection,
  from: string,
  rewrite: (row: ChainedFields) => ChainedFields,
): Promise<Map<string, ChainedFields>> {
  const original = new Map<string, ChainedFields>();
  await db.query('DROP TRIGGER audit_events_no_update');
  try {
    await db.beginTransaction();
    try {
      const [[head]] = await db.query<RowDataPacket[]>(
        'SELECT last_seq FROM audit_chain_head WHERE id = 1 FOR UPDATE',
      );
      const [rows] = await db.query<RowDataPacket[]>(
        'SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq',
        [from, head.last_seq],
      );
      let prev = rows[0].prev_hash as Buffer;
      for (const row of rows) {
        const was = chainedFields(row);
        original.set(was.seq, was);
        const now = rewrite(was);
        const hash = chainHash(prev, now);
        await db.query(
          `UPDATE audit_events SET occurred_at = ?, actor_type = ?, actor_id = ?, actor_role = ?,
             action = ?, resource_type = ?, resource_id = ?, result = ?, error_code = ?, ip = ?,
             user_agent = ?, request_id = ?, duration_ms = ?, changes = ?, prev_hash = ?, hash = ?
           WHERE seq = ?`,
          [
            now.occurredAt,
            now.actorType,
            now.actorId,
            now.actorRole,
            now.action,
            now.resourceType,
            now.resourceId,
            now.result,
            now.errorCode,
            now.ip,
            now.userAgent,
            now.requestId,
            now.durationMs,
            now.changes === null || now.changes === undefined ? null : JSON.stringify(now.changes),
            prev,
            hash,
            was.seq,
          ],
        );
        prev = hash;
      }
      await db.query('UPDATE audit_chain_head SET last_hash = ? WHERE id = 1', [prev]);
      await db.commit();
    } catch (e) {
      await db.rollback();
      throw e;
    }
  } finally {
    await db.query(AUDIT_TRIGGERS.audit_events_no_update);
  }
  return original;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
