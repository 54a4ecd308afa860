import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { ReencryptionService } from '../src/modules/crypto/services/reencryption.service';
import { makeCustomer } from './utils/outreach';
import { freshIp, LOGIN } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

const ROOT = join(__dirname, '..');

function cli(args: string[], timeout = 60000) {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('operator CLI', () => {
  const app = useTestApp();

  it('creates the first admin, who must then enroll MFA at sign-in; the creation is audited', async () => {
    const email = `first.admin.${Date.now()}@e2e.callwarden.test`;
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'cw-cli-')), 'pw');
    writeFileSync(passwordFile, 'the very first admin pass phrase\n', { mode: 0o600 });
    const run = cli([
      'create-admin',
      '--email',
      email,
      '--name',
      'First Admin',
      '--password-file',
      passwordFile,
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/created admin [0-9a-f-]{36}/);
    expect(run.stdout).not.toContain('the very first admin pass phrase');

    const login = await app.t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email, password: 'the very first admin pass phrase' } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(login.data?.login.__typename).toBe('MfaEnrollmentRequired');
    const [rows] = await app.db.query<RowDataPacket[]>(
      "SELECT actor_type, actor_id FROM audit_events WHERE action = 'user.created' AND resource_id = (SELECT id FROM users WHERE email_masked = ? ORDER BY created_at DESC LIMIT 1)",
      [`f***@e2e.callwarden.test`],
    );
    expect(rows[0]).toMatchObject({ actor_type: 'system' });
  });

  it('refuses a weak first password and creates nothing', async () => {
    const email = `weak.admin.${Date.now()}@e2e.callwarden.test`;
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'cw-cli-')), 'pw');
    writeFileSync(passwordFile, 'password123456\n');
    const run = cli([
      'create-admin',
      '--email',
      email,
      '--name',
      'Weak',
      '--password-file',
      passwordFile,
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/too common/);
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM users WHERE email_masked = ?',
      ['w***@e2e.callwarden.test'],
    );
    expect(Number(rows[0].n)).toBe(0);
  });

  it('rotates a purpose key from the CLI and re-encrypts every table before it exits 0', async () => {
    for (let i = 0; i < 3; i++) await makeCustomer(app.t);
    const reencryption = app.t.app.get(ReencryptionService);
    // The bug this guards: four batches per call, one spent on each table finished or not, so a
    // purpose with five or more tables never finished from the CLI.
    expect(reencryption.tablesFor('pii').length).toBeGreaterThanOrEqual(5);
    const run = cli(['crypto:rotate', 'pii'], 180_000);
    expect(run.status).toBe(0);
    const rotated = /rotated pii: v\d+ \(key (\d+)\) -> v\d+ \(key (\d+)\)/.exec(run.stdout);
    expect(rotated).not.toBeNull();
    const lines = run.stdout.trim().split('\n');
    const summary =
      /^pii: completed job \d+: (\d+) table\(s\), scanned \d+ row\(s\), re-encrypted \d+, to key (\d+), in [\d.]+ s$/.exec(
        lines[lines.length - 1],
      );
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(reencryption.tablesFor('pii').length);
    expect(Number(summary![2])).toBe(Number(rotated![2]));
    expect(lines.length).toBeLessThan(200);
    expect(await reencryption.isKeyInUse('pii', Number(rotated![1]))).toBe(false);
    const [jobs] = await app.db.query<RowDataPacket[]>(
      "SELECT status FROM crypto_reencryption_jobs WHERE purpose = 'pii' ORDER BY id DESC LIMIT 1",
    );
    expect(jobs[0].status).toBe('completed');
  }, 240_000);

  it('refuses to make up a master key beside a database whose data keys another one wrapped', () => {
    // The test database holds wrapped data keys (the app started on it).
    const empty = mkdtempSync(join(tmpdir(), 'cw-secrets-'));
    const refused = cli(['secrets:generate', empty]);
    expect(refused.status).toBe(78);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/refusing to create a new master key: .*master\.key is missing/);
    expect(existsSync(join(empty, 'master.key'))).toBe(false);
    // With the key file in place, the missing secrets are written and the key is kept.
    const kept = mkdtempSync(join(tmpdir(), 'cw-secrets-'));
    writeFileSync(join(kept, 'master.key'), 'kept\n', { mode: 0o600 });
    const ok = cli(['secrets:generate', kept]);
    expect(ok.status).toBe(0);
    expect(readFileSync(join(kept, 'master.key'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(kept, 'jwt', 'jwt-signing.pem'))).toBe(true);
  });
});
