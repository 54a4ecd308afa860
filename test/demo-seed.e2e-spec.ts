import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { PrivacyService } from '../src/modules/privacy/privacy.service';
import { useTestApp } from './utils/use-test-app';

const ROOT = join(__dirname, '..');

/** `npm run dev` seeds through the CLI before it starts the app: the seed must always succeed. */
function seedCli() {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'seed'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('demo seed (e2e)', () => {
  const app = useTestApp({ RETENTION_CRON: 'off' });

  const demoRows = async () =>
    (
      await app.db.query<RowDataPacket[]>(
        "SELECT id, external_ref, status, deleted_at FROM customers WHERE external_ref LIKE 'DEMO-%' ORDER BY external_ref",
      )
    )[0];

  it('is idempotent after customers are deleted and erased, and never brings an erased one back', async () => {
    const first = seedCli();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const seeded = await demoRows();
    expect(seeded).toHaveLength(200);

    // One demo customer erased (as a completed erasure does), one only soft-deleted.
    const [erased, deleted] = [seeded[199], seeded[42]];
    const ds = app.t.app.get(DataSource);
    await ds.transaction((m) =>
      app.t.app.get(PrivacyService).eraseCustomer(m, erased.id as string, 'demo-seed-test'),
    );
    await app.db.query('UPDATE customers SET deleted_at = NOW(3) WHERE id = ?', [deleted.id]);

    const again = seedCli();
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('demo data already present');
    const after = await demoRows();
    expect(after).toHaveLength(200);
    expect(after.find((r) => r.id === erased.id)).toMatchObject({ status: 'erased' });
    // A demo customer missing altogether (a hand-cleaned database) is made again, alone.
    await app.db.query('DELETE FROM consents WHERE customer_id = ?', [seeded[7].id]);
    await app.db.query('DELETE FROM dnc_entries WHERE customer_id = ?', [seeded[7].id]);
    await app.db.query('DELETE FROM customers WHERE id = ?', [seeded[7].id]);
    const refill = seedCli();
    expect(refill.status).toBe(0);
    expect(refill.stdout).toContain('seeded: 1 customers');
    expect(await demoRows()).toHaveLength(200);
  }, 300_000);
});
