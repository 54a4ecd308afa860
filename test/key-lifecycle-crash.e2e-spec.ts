import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { DataSource, In } from 'typeorm';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { KeyringService } from '../src/modules/crypto/services/keyring.service';
import { ReencryptionService } from '../src/modules/crypto/services/reencryption.service';
import { AppProcess, startAppProcess } from './utils/app-process';
import { adminConnection } from './utils/db';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { startTestApp, TestApp } from './utils/test-app';

const ROOT = join(__dirname, '..');
const CUSTOMERS = 24;
const WRITERS_PER_PROCESS = 4;

/** An operator's CLI command in its own process; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const UPDATE = `mutation U($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }`;

/**
 * The measurement that found 704 acknowledged updates lost: API processes keep encrypting with the
 * key they last saw while an operator rotates, retires and destroys it. Here two API processes never
 * look again (ACTIVE_KEY_REFRESH_SECONDS is an hour), the worst case of that lag.
 */
describe('key lifecycle under concurrent writers (crash test)', () => {
  // Two API processes: this one (in-process, so the test can read its key state) and a child.
  let a: TestApp;
  let b: AppProcess;
  let db: Connection;
  let auth: Record<string, string>;
  const stale = { ACTIVE_KEY_REFRESH_SECONDS: '3600' };

  beforeAll(async () => {
    a = await startTestApp(stale);
    b = await startAppProcess(stale);
    db = await adminConnection();
    auth = (await signIn(a, await makeUser(a, 'admin', { mfa: true }))).auth;
  }, 120_000);
  afterAll(async () => {
    await db.end();
    await b.kill();
    await a.close();
  });

  it('rotate, retire and destroy the pii key while two processes write: every acknowledged value reads back after a restart', async () => {
    const ids: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) ids.push((await makeCustomer(a)).id);
    const [[oldKey]] = await db.query<RowDataPacket[]>(
      "SELECT id FROM crypto_keys WHERE purpose = 'pii' AND status = 'active'",
    );
    const oldKeyId = Number(oldKey.id);

    // Each writer owns its customers, so the last acknowledged value of each is the one that must stay.
    const acknowledged = new Map<string, { lastName: string; email: string }>();
    const errors: string[] = [];
    let stop = false;
    let writes = 0;
    const writer = async (url: string, mine: string[], w: number) => {
      for (let n = 0; !stop; n++) {
        const id = mine[n % mine.length];
        const value = { lastName: `W${w}-${n}`, email: `w${w}.${n}@lifecycle.example.com` };
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({ query: UPDATE, variables: { input: { id, ...value } } }),
        });
        const body = (await res.json()) as { errors?: { extensions?: { reason?: string } }[] };
        if (body.errors) errors.push(String(body.errors[0].extensions?.reason ?? res.status));
        else {
          acknowledged.set(id, value);
          writes++;
        }
      }
    };
    const writers: Promise<void>[] = [];
    const processes = [a.url, b.url];
    const perWriter = CUSTOMERS / (WRITERS_PER_PROCESS * processes.length);
    processes.forEach((url, p) => {
      for (let k = 0; k < WRITERS_PER_PROCESS; k++) {
        const w = p * WRITERS_PER_PROCESS + k;
        writers.push(writer(url, ids.slice(w * perWriter, (w + 1) * perWriter), w));
      }
    });
    const until = async (cond: () => boolean, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    try {
      await until(() => writes >= 100);

      // An operator rotates and re-encrypts from the CLI while both processes keep writing.
      const rotated = await cli(['crypto:rotate', 'pii']);
      expect(rotated.stderr).toBe('');
      expect(rotated.code).toBe(0);
      // Neither API process looked on its own: each learnt of the rotation from a write it had to redo.

      const before = writes;
      await until(() => writes >= before + 100);
      const retired = await cli(['crypto:retire', String(oldKeyId)]);
      expect(retired.stderr).toBe('');
      expect(retired.code).toBe(0);

      // The waiting period passes (the only change made behind the product's back), and the key goes.
      await db.query(
        'UPDATE crypto_keys SET destroy_after = NOW(3) - INTERVAL 1 SECOND WHERE id = ?',
        [oldKeyId],
      );
      // The CLI destroys it, unless an API process's minutely sweep got there first: one of them does.
      const destroyed = await cli(['crypto:destroy-due']);
      expect(destroyed.code).toBe(0);
      const [events] = await db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'crypto.key_destroyed' AND resource_id = ?",
        [String(oldKeyId)],
      );
      expect(Number(events[0].n)).toBe(1);

      // Writers still holding the destroyed key in memory keep writing for a while.
      const afterDestroy = writes;
      await until(() => writes >= afterDestroy + 100);
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    // Every write made under a key that was no longer active was redone under the active one.
    expect(a.app.get(KeyringService).stats().staleWrites).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    const [[key]] = await db.query<RowDataPacket[]>(
      'SELECT status, wrapped_key FROM crypto_keys WHERE id = ?',
      [oldKeyId],
    );
    expect(key).toMatchObject({ status: 'destroyed', wrapped_key: null });

    // Restart: both processes go (one killed), a fresh one reads everything back.
    await b.kill();
    await a.close();
    a = await startTestApp();
    b = await startAppProcess();
    expect(await a.app.get(ReencryptionService).isKeyInUse('pii', oldKeyId)).toBe(false);
    const rows = await a.app
      .get(DataSource)
      .getRepository(CustomerEntity)
      .findBy({ id: In(ids) });
    expect(rows).toHaveLength(CUSTOMERS);
    for (const row of rows) {
      const want = acknowledged.get(row.id);
      if (!want) continue;
      expect({ lastName: row.lastName, email: row.email }).toEqual(want);
    }
    expect(acknowledged.size).toBe(CUSTOMERS);
  }, 300_000);
});
