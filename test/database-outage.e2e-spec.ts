import { dbScript } from './utils/db';
import { freshIp, LOGIN, makeUser, PASSWORD } from './utils/identity';
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
    const agent = await makeUser(t, 'agent');
    const login = () =>
      t.gql<{ login: { __typename: string } }>(
        LOGIN,
        { input: { email: agent.email, password: PASSWORD } },
        { 'x-forwarded-for': freshIp() },
      );

    dbScript('kill');
    const down = await fetch(`${t.url}/health/ready`);
    expect(down.status).toBe(503);
    const text = await down.text();
    const body = JSON.parse(text) as { error: Record<string, { status: string }> };
    expect(body.error.database.status).toBe('down');
    // The probe is public: it says which component is down, never the driver's words.
    expect(text).not.toMatch(
      /ECONNREFUSED|ETIMEDOUT|connect |3317|127\.0\.0\.1|mysql|mariadb|Error:|timed? ?out/i,
    );
    // Liveness is about the process, not its dependencies.
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
    // A request that needs the database gets a clear error, with no driver text.
    const failed = await login();
    expect(failed.errors?.[0]).toMatchObject({
      message: 'The database is unavailable; try again shortly',
      extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE' },
    });
    expect(JSON.stringify(failed)).not.toMatch(/ECONNREFUSED|3317|mysql|SELECT/i);

    dbScript('start');
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${t.url}/health/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    // And requests succeed again, no restart needed.
    let ok = await login();
    for (let i = 0; i < 20 && ok.errors; i++) {
      await new Promise((r) => setTimeout(r, 200));
      ok = await login();
    }
    expect(ok.data?.login.__typename).toBe('AuthTokens');
  });
});
