import { signInbound, WEBHOOK_PATH } from '../src/modules/compliance/services/inbound-sms.service';
import { freshIp, makeUser, signIn } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

const BUDGET = 5;
const RESET =
  'mutation Q($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) }';
const ME = '{ me { id } }';
const SMS_SECRET = 'sms-provider-auth-token-rate-limit-0123';
const BASE = 'http://localhost:3000';

describe('rate limit (e2e)', () => {
  const app = useTestApp({
    RATE_LIMIT_PER_MINUTE: String(BUDGET),
    SMS_WEBHOOK_SECRET: SMS_SECRET,
    PUBLIC_BASE_URL: BASE,
  });

  const reset = (ip: string) =>
    app.t.gql(
      RESET,
      { input: { email: `nobody.${ip}@e2e.callwarden.test` } },
      { 'x-forwarded-for': ip },
    );

  it('gives each anonymous client address its own budget, then refuses with RATE_LIMITED and Retry-After', async () => {
    const ip = freshIp();
    for (let i = 0; i < BUDGET; i++) {
      const ok = await reset(ip);
      expect(ok.errors).toBeUndefined();
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(String(BUDGET - 1 - i));
    }
    const refused = await reset(ip);
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.errors?.[0].message).toMatch(/Too many requests/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // Another address is not affected.
    expect((await reset(freshIp())).errors).toBeUndefined();
  });

  it('charges a signed-in principal wherever it calls from, and no one else', async () => {
    const agent = await makeUser(app.t, 'agent');
    const other = await makeUser(app.t, 'agent');
    const { auth } = await signIn(app.t, agent);
    const bearer = { authorization: auth.authorization };

    for (let i = 0; i < BUDGET; i++) {
      const ok = await app.t.gql<{ me: { id: string } }>(ME, undefined, {
        ...bearer,
        'x-forwarded-for': freshIp(),
      });
      expect(ok.data?.me.id).toBe(agent.id);
    }
    const refused = await app.t.gql(ME, undefined, { ...bearer, 'x-forwarded-for': freshIp() });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });

    const otherAuth = (await signIn(app.t, other)).auth;
    const fine = await app.t.gql<{ me: { id: string } }>(ME, undefined, otherAuth);
    expect(fine.data?.me.id).toBe(other.id);
  });

  it('never throttles health probes', async () => {
    for (let i = 0; i < BUDGET * 2; i++) {
      const res = await fetch(`${app.t.url}/health/live`);
      expect(res.status).toBe(200);
    }
  });

  it("never refuses the SMS provider's webhook, where opt-outs arrive, even over budget", async () => {
    const ip = freshIp();
    for (let i = 0; i < BUDGET * 2; i++) {
      const params = {
        MessageSid: `SM-rate-${Date.now()}-${i}`,
        From: `+1212555${String(1000 + i)}`,
        To: '+18005550100',
        Body: 'hello',
      };
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${app.t.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': ip,
          'x-webhook-timestamp': ts,
          'x-twilio-signature': signInbound(SMS_SECRET, `${BASE}${WEBHOOK_PATH}`, params, ts),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(200);
    }
  });
});

describe('rate limit per operation class (e2e)', () => {
  const app = useTestApp({
    RATE_LIMIT_PER_MINUTE: '1000',
    RATE_LIMIT_AUTH_PER_MINUTE: '3',
    RATE_LIMIT_SENSITIVE_PER_MINUTE: '2',
    LOGIN_IP_ALLOWLIST: '10.201.0.0/16',
  });

  const reset = (ip: string) =>
    app.t.gql(
      RESET,
      { input: { email: `nobody.class.${ip}@e2e.callwarden.test` } },
      { 'x-forwarded-for': ip },
    );

  it('gives credential operations their own, smaller budget', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await reset(ip)).errors).toBeUndefined();
    const refused = await reset(ip);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    // The general budget of that address is untouched: other operations still answer.
    const other = await app.t.gql('{ __typename }', undefined, { 'x-forwarded-for': ip });
    expect(other.errors).toBeUndefined();
    // An office address signs its floor in without a per-address credential budget.
    for (let i = 0; i < 6; i++) expect((await reset('10.201.3.4')).errors).toBeUndefined();
  });

  it('gives exports their own budget per caller', async () => {
    const admin = await makeUser(app.t, 'admin', { mfa: true });
    const { auth } = await signIn(app.t, admin);
    const csv = () => fetch(`${app.t.url}/reports/compliance.csv`, { headers: auth });
    expect((await csv()).status).toBe(200);
    expect((await csv()).status).toBe(200);
    const refused = await csv();
    expect(refused.status).toBe(429);
    // The throttler names a class budget's headers after it.
    expect(Number(refused.headers.get('retry-after-sensitive'))).toBeGreaterThan(0);
    expect((await app.t.gql(ME, undefined, auth)).errors).toBeUndefined();
  });
});
