import type { Connection, RowDataPacket } from 'mysql2/promise';
import { AuditService } from '../src/modules/audit/audit.service';
import { ActorType } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { adminConnection, dbScript } from './utils/db';
import { startTestApp, TestApp } from './utils/test-app';

describe('audit crash safety', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Credential operations have their own budget per address; this test is not about it.
    t = await startTestApp({
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
  });
  afterAll(async () => {
    dbScript('start');
    await t.close();
  });

  it('keeps every acknowledged append across a kill -9 of the database, and resumes without repair', async () => {
    const audit = t.app.get(AuditService);
    const run = `crash-${Date.now()}`;
    const acknowledged: string[] = [];
    let failures = 0;
    let phase: 'before' | 'down' | 'after' = 'before';
    let ackAfterRestart = 0;
    let stop = false;
    let n = 0;

    const writer = async () => {
      while (!stop) {
        const marker = `${run}-${n++}`;
        try {
          await audit.record({
            action: 'test.crash',
            actor: { type: ActorType.System, id: 'crash-test' },
            resourceId: marker,
          });
          acknowledged.push(marker);
          if (phase === 'after') ackAfterRestart++;
        } catch {
          failures++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const writers = Array.from({ length: 8 }, () => writer());

    const until = async (cond: () => boolean) => {
      const deadline = Date.now() + 60000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(() => acknowledged.length >= 300);
    phase = 'down';
    dbScript('kill');
    const failuresAtKill = failures;
    await until(() => failures > failuresAtKill + 5);
    dbScript('start');
    phase = 'after';
    await until(() => ackAfterRestart >= 300);
    stop = true;
    await Promise.all(writers);

    const admin: Connection = await adminConnection();
    try {
      const [rows] = await admin.query<RowDataPacket[]>(
        "SELECT resource_id FROM audit_events WHERE action = 'test.crash' AND resource_id LIKE ?",
        [`${run}-%`],
      );
      const present = new Set(rows.map((r) => r.resource_id as string));
      const lost = acknowledged.filter((m) => !present.has(m));
      expect(lost).toEqual([]);
      expect(failures).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    expect(await t.app.get(AuditVerifierService).verify()).toMatchObject({ ok: true });
  }, 120_000);

  it('answers success to no mutation whose audit row is lost: 50 concurrent clients, the database killed three times', async () => {
    const MUTATION =
      'mutation R($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) }';
    const run = `crash${Date.now()}`;
    const succeeded: string[] = [];
    let failed = 0;
    let sent = 0;
    let stop = false;
    const client = async (c: number) => {
      while (!stop) {
        const requestId = `${run}-${c}-${sent++}`;
        try {
          const res = await fetch(`${t.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': requestId },
            body: JSON.stringify({
              query: MUTATION,
              variables: { input: { email: `nobody.${requestId}@e2e.callwarden.test` } },
            }),
          });
          const body = (await res.json()) as { errors?: unknown[]; data?: unknown };
          if (res.status === 200 && !body.errors) succeeded.push(requestId);
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    const until = async (cond: () => boolean) => {
      const deadline = Date.now() + 60000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const clients = Array.from({ length: 50 }, (_, c) => client(c));
    try {
      for (let round = 0; round < 3; round++) {
        const ok = succeeded.length;
        await until(() => succeeded.length >= ok + 100);
        const failedBefore = failed;
        dbScript('kill');
        await until(() => failed > failedBefore + 20);
        dbScript('start');
      }
      const ok = succeeded.length;
      await until(() => succeeded.length >= ok + 100);
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    const admin: Connection = await adminConnection();
    try {
      const [rows] = await admin.query<RowDataPacket[]>(
        "SELECT request_id FROM audit_events WHERE action = 'graphql.requestPasswordReset' AND request_id LIKE ?",
        [`${run}-%`],
      );
      const audited = new Set(rows.map((r) => r.request_id as string));
      expect(succeeded.filter((id) => !audited.has(id))).toEqual([]);
      expect(failed).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    expect(await t.app.get(AuditVerifierService).verify()).toMatchObject({ ok: true });
  }, 240_000);
});
