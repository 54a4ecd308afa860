import type { Connection, RowDataPacket } from 'mysql2/promise';
import { AuditService } from '../src/modules/audit/audit.service';
import { ActorType } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { adminConnection, dbScript } from './utils/db';
import { startTestApp, TestApp } from './utils/test-app';

describe('audit crash safety', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
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
});
