import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource, In, Like } from 'typeorm';
import { CryptoErrorCode, CryptoException } from '../src/modules/crypto/crypto.exception';
import { KeyringService } from '../src/modules/crypto/services/keyring.service';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { ConsentEntity, ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import { useTestApp } from './utils/use-test-app';

const ROOT = join(__dirname, '..');
const ROWS = 10_000;
const tag = `rot-${Date.now()}`;

/** Runs a CLI command in its own process; `killWhen` is polled and the process is SIGKILLed when it holds. */
function cli(
  args: string[],
  killWhen?: () => Promise<boolean>,
): Promise<{ code: number | null; signal: string | null; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let killed = false;
    const timer = killWhen
      ? setInterval(() => {
          killWhen()
            .then((yes) => {
              if (yes && !killed) {
                killed = true;
                child.kill('SIGKILL');
              }
            })
            .catch(reject);
        }, 10)
      : undefined;
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, killed });
    });
  });
}

describe('data key rotation with re-encryption over 10,000 rows, killed halfway', () => {
  const testApp = useTestApp();
  let app: INestApplication;
  const expected = new Map<string, { email: string; lastName: string }>();

  beforeAll(async () => {
    app = testApp.t.app;
    const customers = app.get(CustomersService);
    const repo = app.get(DataSource).getRepository(CustomerEntity);
    for (let start = 0; start < ROWS; start += 500) {
      const batch: CustomerEntity[] = [];
      for (let i = start; i < start + 500; i++) {
        const c = await customers.build({
          externalRef: `${tag}-${i}`,
          lastName: `Rotated-${i}`,
          email: `rot.${i}@${tag}.example.com`,
          phone: `+1212555${String(i % 10000).padStart(4, '0')}`,
          addressLine: `${i} Rotation Ave`,
        });
        expected.set(c.id, { email: c.email as string, lastName: c.lastName as string });
        batch.push(c);
      }
      // Encrypted values are written in a transaction: the key check holds its lock to the commit.
      await repo.manager.transaction((m) => m.getRepository(CustomerEntity).insert(batch));
    }
    // Consent evidence (append-only table) is encrypted under the same key: rotation must reach it.
    const compliance = app.get(ComplianceService);
    for (const id of [...expected.keys()].slice(0, 20)) {
      await compliance.recordConsent({
        customerId: id,
        channel: 'call',
        purpose: 'collection',
        granted: true,
        source: ConsentSource.WebForm,
        evidence: { formUrl: `https://consent.example/${id}` },
      });
    }
  }, 120_000);

  it('survives a kill -9 mid-way, resumes, moves every row to the new version exactly once', async () => {
    const [before] = await testApp.db.query<RowDataPacket[]>(
      "SELECT id FROM crypto_keys WHERE purpose = 'pii' AND status = 'active'",
    );
    const oldKeyId = Number(before[0].id);

    // 1. An operator rotates and re-encrypts from the CLI; the process dies half-way through.
    const progress = async () => {
      const [jobs] = await testApp.db.query<RowDataPacket[]>(
        "SELECT rows_scanned, status FROM crypto_reencryption_jobs WHERE purpose = 'pii' ORDER BY id DESC LIMIT 1",
      );
      return (
        jobs.length > 0 && jobs[0].status === 'running' && Number(jobs[0].rows_scanned) >= 1000
      );
    };
    const first = await cli(['crypto:rotate', 'pii'], progress);
    expect(first.killed).toBe(true);
    expect(first.signal).toBe('SIGKILL');

    const [after] = await testApp.db.query<RowDataPacket[]>(
      "SELECT id, version, status FROM crypto_keys WHERE purpose = 'pii' ORDER BY version",
    );
    const newKey = after.find((k) => k.status === 'active')!;
    expect(Number(newKey.id)).not.toBe(oldKeyId);
    expect(after.find((k) => Number(k.id) === oldKeyId)?.status).toBe('decrypt_only');

    const [halfway] = await testApp.db.query<RowDataPacket[]>(
      "SELECT status, rows_scanned, rows_total FROM crypto_reencryption_jobs WHERE purpose = 'pii' ORDER BY id DESC LIMIT 1",
    );
    expect(halfway[0].status).toBe('running');
    expect(Number(halfway[0].rows_scanned)).toBeGreaterThan(0);
    expect(Number(halfway[0].rows_scanned)).toBeLessThan(Number(halfway[0].rows_total));

    // The old key cannot be retired while rows still use it.
    const crypto = app.get(CryptoService);
    await expect(crypto.scheduleKeyDestruction(oldKeyId)).rejects.toMatchObject({
      reason: CryptoErrorCode.KEY_STILL_IN_USE,
    });

    // 2. Run again: it resumes from the committed cursor and finishes.
    const second = await cli(['crypto:reencrypt', 'pii']);
    expect(second.code).toBe(0);
    const job = await crypto.reencryptionProgress('pii');
    expect(job?.status).toBe('completed');
    expect(job?.rowsScanned).toBe(job?.rowsTotal);

    // 3. Every value is on the new key, and decrypts to exactly what was written: none lost, none double-encrypted.
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(Number(newKey.id));
    const [stale] = await testApp.db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM customers WHERE (email_enc IS NOT NULL AND SUBSTRING(email_enc, 2, 4) <> ?)
          OR (last_name_enc IS NOT NULL AND SUBSTRING(last_name_enc, 2, 4) <> ?)
          OR (phone_enc IS NOT NULL AND SUBSTRING(phone_enc, 2, 4) <> ?)
          OR (address_line_enc IS NOT NULL AND SUBSTRING(address_line_enc, 2, 4) <> ?)`,
      [prefix, prefix, prefix, prefix],
    );
    expect(Number(stale[0].n)).toBe(0);

    const rows = await app
      .get(DataSource)
      .getRepository(CustomerEntity)
      .find({ where: { externalRef: Like(`${tag}-%`) } });
    const mine = rows.filter((r) => expected.has(r.id));
    expect(mine).toHaveLength(ROWS);
    for (const row of mine) {
      const want = expected.get(row.id)!;
      expect(row.email).toBe(want.email);
      expect(row.lastName).toBe(want.lastName);
    }

    // Consent evidence moved too, and still decrypts; the consent history itself cannot be edited.
    const [evidence] = await testApp.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM consents WHERE evidence_enc IS NOT NULL AND SUBSTRING(evidence_enc, 2, 4) <> ?',
      [prefix],
    );
    expect(Number(evidence[0].n)).toBe(0);
    const consents = await app
      .get(DataSource)
      .getRepository(ConsentEntity)
      .findBy({ customerId: In([...expected.keys()].slice(0, 20)) });
    expect(consents).toHaveLength(20);
    expect(
      consents.every(
        (c) => typeof c.evidence === 'string' && c.evidence.includes('consent.example'),
      ),
    ).toBe(true);
    await expect(
      app
        .get(DataSource)
        .query('UPDATE consents SET granted = NOT granted WHERE id = ?', [consents[0].id]),
    ).rejects.toThrow(/append-only/);

    // The rotation is in the audit log (same transaction as the key change) and queued for the SIEM.
    const [rotations] = await testApp.db.query<RowDataPacket[]>(
      "SELECT e.seq, e.actor_type, e.actor_id FROM audit_events e WHERE e.action = 'crypto.key_rotated' AND e.resource_id = ?",
      [String(newKey.id)],
    );
    expect(rotations).toHaveLength(1);
    expect(rotations[0].actor_type).toBe('system');
    expect(String(rotations[0].actor_id)).toMatch(/^cli:/);
    const [outbox] = await testApp.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?',
      [rotations[0].seq],
    );
    expect(Number(outbox[0].n)).toBe(1);

    // 4. Now the old version can be retired: its destruction waits out the period (cancellable),
    // then its material is gone. Each step is audited and queued for the SIEM.
    const retired = await crypto.scheduleKeyDestruction(oldKeyId);
    expect(retired.status).toBe('scheduled_destruction');
    expect(retired.destroyAfter!.getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    expect((await crypto.destroyDueKeys()).destroyed).toHaveLength(0);
    // Every use during the waiting period is an alert (say, a value restored from a backup).
    const keyring = app.get(KeyringService);
    await keyring.ensureLoaded([oldKeyId]);
    keyring.keyById(oldKeyId);
    keyring.keyById(oldKeyId);
    expect(await crypto.alertScheduledKeyUses()).toBe(1);
    expect((await crypto.cancelKeyDestruction(oldKeyId)).status).toBe('decrypt_only');
    await crypto.scheduleKeyDestruction(oldKeyId);
    const eightDaysOn = new Date(Date.now() + 8 * 86_400_000);
    const report = await crypto.destroyDueKeys(undefined, eightDaysOn);
    expect(report.destroyed.map((k) => k.id)).toEqual([oldKeyId]);
    expect(report.refused).toHaveLength(0);
    const [gone] = await testApp.db.query<RowDataPacket[]>(
      'SELECT status, wrapped_key FROM crypto_keys WHERE id = ?',
      [oldKeyId],
    );
    expect(gone[0]).toMatchObject({ status: 'destroyed', wrapped_key: null });
    const [[used]] = await testApp.db.query<RowDataPacket[]>(
      "SELECT changes FROM audit_events WHERE action = 'crypto.scheduled_key_used' AND resource_id = ?",
      [String(oldKeyId)],
    );
    expect(JSON.stringify(used.changes)).toContain('"uses":2');
    const [lifecycle] = await testApp.db.query<RowDataPacket[]>(
      `SELECT e.action, COUNT(o.audit_seq) AS queued FROM audit_events e
         LEFT JOIN audit_siem_outbox o ON o.audit_seq = e.seq
        WHERE e.resource_type = 'CryptoKey' AND e.resource_id = ?
          AND (e.action LIKE 'crypto.key_destr%' OR e.action = 'crypto.scheduled_key_used')
        GROUP BY e.seq, e.action ORDER BY e.seq`,
      [String(oldKeyId)],
    );
    expect(lifecycle.map((r) => [String(r.action), Number(r.queued)])).toEqual([
      ['crypto.key_destruction_scheduled', 1],
      ['crypto.scheduled_key_used', 1],
      ['crypto.key_destruction_cancelled', 1],
      ['crypto.key_destruction_scheduled', 1],
      ['crypto.key_destroyed', 1],
    ]);
    await expect(crypto.scheduleKeyDestruction(Number(newKey.id))).rejects.toBeInstanceOf(
      CryptoException,
    );
  }, 180_000);
});
