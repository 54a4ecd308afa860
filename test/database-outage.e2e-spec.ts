import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestApp, TestApp } from './utils/test-app';

const script = join(__dirname, '..', 'scripts', 'db.sh');
const dbEnv = () => ({
  ...process.env,
  CW_DB_DIR: process.env.CW_DB_DIR,
  CW_DB_PORT: process.env.CW_DB_PORT,
});

describe('database outage', () => {
  let t: TestApp;

  beforeAll(async () => {
    if (!process.env.CW_DB_DIR) throw new Error('needs the disposable database of scripts/db.sh');
    t = await startTestApp();
  });
  afterAll(async () => {
    execFileSync('bash', [script, 'start'], { env: dbEnv(), stdio: 'ignore' });
    await t.close();
  });

  it('turns readiness red while the database is down and green again without a restart', async () => {
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);

    execFileSync('bash', [script, 'kill'], { env: dbEnv(), stdio: 'ignore' });
    const down = await fetch(`${t.url}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: Record<string, { status: string }> };
    expect(body.error.database.status).toBe('down');
    // Liveness is about the process, not its dependencies.
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);

    execFileSync('bash', [script, 'start'], { env: dbEnv(), stdio: 'ignore' });
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${t.url}/health/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
