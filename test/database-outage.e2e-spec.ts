import { dbScript } from './utils/db';
import { startTestApp, TestApp } from './utils/test-app';

describe('database outage', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    dbScript('start');
    await t.close();
  });

  it('turns readiness red while the database is down and green again without a restart', async () => {
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);

    dbScript('kill');
    const down = await fetch(`${t.url}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: Record<string, { status: string }> };
    expect(body.error.database.status).toBe('down');
    // Liveness is about the process, not its dependencies.
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);

    dbScript('start');
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${t.url}/health/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
