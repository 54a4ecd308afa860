import type { Connection, RowDataPacket } from 'mysql2/promise';
import { PasswordService } from '../src/modules/identity/services/password.service';
import { SessionService } from '../src/modules/identity/services/session.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { freshIp, LOGIN, makeUser, PASSWORD, signIn, totp, VERIFY_MFA } from './utils/identity';
import { startTestApp, TestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

const ME = '{ me { id email role mfaEnabled } }';
const REFRESH = `mutation R($input: RefreshTokenInput) { refreshToken(input: $input) { accessToken refreshToken } }`;

describe('identity: sign-in flows (e2e)', () => {
  const app = useTestApp();
  // The suite reads these a lot: short names for the helper's handles.
  let t: TestApp;
  let db: Connection;
  beforeAll(() => {
    ({ t, db } = app);
  });

  it('signs in with a password, serves me, sets the refresh cookie httpOnly/Secure/SameSite=Strict', async () => {
    const agent = await makeUser(t, 'agent');
    const ip = freshIp();
    const res = await t.gql<{ login: Record<string, unknown> }>(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    expect(res.data?.login.__typename).toBe('AuthTokens');
    expect(res.data?.login.refreshToken).toBeNull(); // not in the body unless asked for
    // Two cookies: the refresh token, and the trusted device (see sign-in-flood.e2e-spec.ts).
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cw_refresh=')) ?? '';
    expect(cookie).toMatch(/^cw_refresh=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const me = await t.gql<{ me: { email: string; role: string } }>(ME, undefined, {
      authorization: `Bearer ${res.data!.login.accessToken as string}`,
    });
    expect(me.data?.me).toMatchObject({ email: agent.email, role: 'agent' });

    // The cookie alone refreshes (browser flow).
    const refreshed = await t.gql<{ refreshToken: { accessToken: string } }>(
      REFRESH,
      {},
      { cookie: cookie.split(';')[0] },
    );
    expect(refreshed.errors).toBeUndefined();
  });

  it('answers unknown email and wrong password the same way, and audits both', async () => {
    const agent = await makeUser(t, 'agent');
    const ip = freshIp();
    const wrong = await t.gql(
      LOGIN,
      { input: { email: agent.email, password: 'not the right pass phrase' } },
      { 'x-forwarded-for': ip },
    );
    const unknown = await t.gql(
      LOGIN,
      {
        input: {
          email: `nobody.${Date.now()}@e2e.callwarden.test`,
          password: 'not the right pass phrase',
        },
      },
      { 'x-forwarded-for': freshIp() },
    );
    const shape = (r: typeof wrong) => ({
      message: r.errors?.[0].message,
      code: r.errors?.[0].extensions.code,
      reason: r.errors?.[0].extensions.reason,
    });
    expect(shape(wrong)).toEqual(shape(unknown));
    expect(shape(wrong)).toEqual({
      message: 'Email or password is incorrect',
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_CREDENTIALS',
    });
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.login' AND result = 'failure' AND error_code = 'INVALID_CREDENTIALS' AND request_id IN (?, ?)",
      [wrong.headers.get('x-request-id'), unknown.headers.get('x-request-id')],
    );
    expect(Number(rows[0].n)).toBe(2);
  });

  it('locks an account after 10 failures from anywhere (even for the right password), until an admin unlocks it', async () => {
    const agent = await makeUser(t, 'agent');
    for (let i = 0; i < 10; i++) {
      const r = await t.gql(
        LOGIN,
        { input: { email: agent.email, password: `wrong pass phrase ${i}!` } },
        { 'x-forwarded-for': freshIp() },
      );
      expect(r.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const locked = await t.gql(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(locked.errors?.[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'TOO_MANY_ATTEMPTS',
    });

    const admin = await makeUser(t, 'admin', { mfa: true });
    const session = await signIn(t, admin);
    const users = await t.gql<{ users: { items: { id: string; status: string }[] } }>(
      '{ users(first: 200) { items { id status } } }',
      undefined,
      session.auth,
    );
    expect(users.data?.users.items.find((u) => u.id === agent.id)?.status).toBe('Locked');
    const unlock = await t.gql(
      'mutation U($input: UserIdInput!) { unlockUser(input: $input) { status } }',
      { input: { id: agent.id } },
      session.auth,
    );
    expect(unlock.errors).toBeUndefined();
    const again = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(again.data?.login.__typename).toBe('AuthTokens');
  });

  it('locks a mistyping agent on the office address without locking the floor, and an unlock clears it', async () => {
    const office = freshIp();
    const [typo, colleague] = [await makeUser(t, 'agent'), await makeUser(t, 'agent')];
    for (let i = 0; i < 5; i++)
      await t.gql(
        LOGIN,
        { input: { email: typo.email, password: `wrong pass phrase ${i}!` } },
        { 'x-forwarded-for': office },
      );
    const locked = await t.gql(
      LOGIN,
      { input: { email: typo.email, password: PASSWORD } },
      { 'x-forwarded-for': office },
    );
    expect(locked.errors?.[0].extensions).toMatchObject({ reason: 'TOO_MANY_ATTEMPTS' });
    // The colleague behind the same address signs in; the agent does from elsewhere.
    for (const [user, ip] of [
      [colleague, office],
      [typo, freshIp()],
    ] as const) {
      const ok = await t.gql<{ login: { __typename: string } }>(
        LOGIN,
        { input: { email: user.email, password: PASSWORD } },
        { 'x-forwarded-for': ip },
      );
      expect(ok.data?.login.__typename).toBe('AuthTokens');
    }
    // An admin's unlock clears the pair too.
    const admin = await signIn(t, await makeUser(t, 'admin', { mfa: true }));
    await t.gql(
      'mutation U($input: UserIdInput!) { unlockUser(input: $input) { status } }',
      { input: { id: typo.id } },
      admin.auth,
    );
    const after = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: typo.email, password: PASSWORD } },
      { 'x-forwarded-for': office },
    );
    expect(after.data?.login.__typename).toBe('AuthTokens');
  });

  const spray = (ip: string, accounts: number, app: TestApp = t) =>
    Promise.all(
      Array.from({ length: accounts }, (_, i) =>
        app.gql(
          LOGIN,
          {
            input: {
              email: `spray${i}.${Date.now()}.${ip}@e2e.callwarden.test`,
              password: 'Spring2026!Spring',
            },
          },
          { 'x-forwarded-for': ip },
        ),
      ),
    );

  it('locks a bare address only when many accounts fail from it, with the same answer as any lock', async () => {
    const ip = freshIp();
    const agent = await makeUser(t, 'agent');
    await spray(ip, 9);
    const notYet = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    expect(notYet.data?.login.__typename).toBe('AuthTokens');
    await spray(ip, 1);
    const blocked = await t.gql(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    // Address lock, account lock and an unknown account's lock answer alike: no enumeration.
    const unknownEmail = `nobody.${Date.now()}@e2e.callwarden.test`;
    const unknownIp = freshIp();
    for (let i = 0; i < 5; i++)
      await t.gql(
        LOGIN,
        { input: { email: unknownEmail, password: `wrong pass phrase ${i}!` } },
        { 'x-forwarded-for': unknownIp },
      );
    const unknown = await t.gql(
      LOGIN,
      { input: { email: unknownEmail, password: PASSWORD } },
      { 'x-forwarded-for': unknownIp },
    );
    const shape = (r: Awaited<ReturnType<TestApp['gql']>>) => {
      const e = r.errors?.[0];
      return { message: e?.message, code: e?.extensions.code, reason: e?.extensions.reason };
    };
    expect(shape(blocked)).toEqual({
      message: 'Too many failed attempts: try again later',
      code: 'RATE_LIMITED',
      reason: 'TOO_MANY_ATTEMPTS',
    });
    expect(shape(unknown)).toEqual(shape(blocked));
  });

  it('never locks an allow-listed office address, however many accounts fail from it', async () => {
    const allowed = await startTestApp({ LOGIN_IP_ALLOWLIST: '10.200.0.0/16, 2001:db8::/32' });
    try {
      const ip = '10.200.7.9';
      await spray(ip, 15, allowed);
      const agent = await makeUser(allowed, 'agent');
      const ok = await allowed.gql<{ login: { __typename: string } }>(
        LOGIN,
        { input: { email: agent.email, password: PASSWORD } },
        { 'x-forwarded-for': ip },
      );
      expect(ok.data?.login.__typename).toBe('AuthTokens');
    } finally {
      await allowed.close();
    }
  });

  it('ends a session 12 hours after sign-in and after 30 minutes idle; use keeps it alive', async () => {
    const ME = '{ me { id } }';
    // The session's liveness is cached for two seconds: read the changed row now.
    const liveCache = () => t.app.get(SessionService).forgetCachedLiveness();
    const sessionOf = (auth: Record<string, string>) => {
      const token = auth.authorization.replace('Bearer ', '');
      const { sid } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
        sid: string;
      };
      return sid;
    };
    // Absolute: 12 hours from sign-in.
    const first = await signIn(t, await makeUser(t, 'agent'));
    const sid = sessionOf(first.auth);
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT TIMESTAMPDIFF(MINUTE, created_at, expires_at) AS minutes FROM sessions WHERE id = ?',
      [sid],
    );
    expect(Number(rows[0].minutes)).toBe(12 * 60);
    // In use 20 minutes after the last request: alive, and the request counts as activity.
    await db.query('UPDATE sessions SET last_seen_at = NOW(3) - INTERVAL 20 MINUTE WHERE id = ?', [
      sid,
    ]);
    liveCache();
    expect((await t.gql(ME, undefined, first.auth)).errors).toBeUndefined();
    let seen = 0;
    for (let i = 0; i < 20 && seen < 1; i++) {
      const [r] = await db.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM sessions WHERE id = ? AND last_seen_at > NOW(3) - INTERVAL 1 MINUTE',
        [sid],
      );
      seen = Number(r[0].n);
      if (!seen) await new Promise((res) => setTimeout(res, 100));
    }
    expect(seen).toBe(1);
    // Idle 31 minutes: over, for requests and for refresh alike.
    await db.query('UPDATE sessions SET last_seen_at = NOW(3) - INTERVAL 31 MINUTE WHERE id = ?', [
      sid,
    ]);
    liveCache();
    expect((await t.gql(ME, undefined, first.auth)).errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    const refreshed = await t.gql(REFRESH, { input: { refreshToken: first.refreshToken } });
    expect(refreshed.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    // Past the absolute end, however fresh the activity.
    const second = await signIn(t, await makeUser(t, 'agent'));
    await db.query(
      'UPDATE sessions SET expires_at = NOW(3) - INTERVAL 1 SECOND, last_seen_at = NOW(3) WHERE id = ?',
      [sessionOf(second.auth)],
    );
    liveCache();
    expect((await t.gql(ME, undefined, second.auth)).errors?.[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses disabled accounts, and disabling ends live sessions at once', async () => {
    const agent = await makeUser(t, 'agent');
    const agentSession = await signIn(t, agent);
    const admin = await makeUser(t, 'admin', { mfa: true });
    const adminSession = await signIn(t, admin);
    const disabled = await t.gql(
      'mutation D($input: UserIdInput!) { disableUser(input: $input) { status } }',
      { input: { id: agent.id } },
      adminSession.auth,
    );
    expect(disabled.errors).toBeUndefined();
    const me = await t.gql(ME, undefined, agentSession.auth);
    expect(me.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    const login = await t.gql(
      LOGIN,
      { input: { email: agent.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(login.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ACCOUNT_DISABLED',
    });
  });

  it('rotates refresh tokens; reusing a spent one revokes the session and is audited', async () => {
    const agent = await makeUser(t, 'agent');
    const first = await signIn(t, agent);
    const second = await t.gql<{ refreshToken: { accessToken: string; refreshToken: string } }>(
      REFRESH,
      {
        input: { refreshToken: first.refreshToken, returnRefreshToken: true },
      },
    );
    expect(second.errors).toBeUndefined();
    const next = second.data!.refreshToken;
    expect(next.refreshToken).not.toBe(first.refreshToken);

    const replay = await t.gql(REFRESH, { input: { refreshToken: first.refreshToken } });
    expect(replay.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'REFRESH_TOKEN_REUSED',
    });
    // The whole family is dead: the newest refresh token and the newest access token too.
    const afterReplay = await t.gql(REFRESH, { input: { refreshToken: next.refreshToken } });
    expect(afterReplay.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const me = await t.gql(ME, undefined, { authorization: `Bearer ${next.accessToken}` });
    expect(me.errors?.[0].extensions.reason).toBe('SESSION_REVOKED');
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT result, error_code FROM audit_events WHERE action = 'auth.refresh_token_reused' AND actor_id = ?",
      [agent.id],
    );
    expect(rows).toEqual([{ result: 'failure', error_code: 'REFRESH_TOKEN_REUSED' }]);
  });

  it('lets one of two simultaneous uses of a refresh token through, and the other revokes the session', async () => {
    type Refreshed = { refreshToken: { accessToken: string; refreshToken: string } };
    const refresh = (refreshToken: string) =>
      t.gql<Refreshed>(
        REFRESH,
        { input: { refreshToken, returnRefreshToken: true } },
        { 'x-forwarded-for': freshIp() },
      );
    // Several sessions at once, each racing its own token against itself, to give the race a chance.
    const agents = await Promise.all(Array.from({ length: 4 }, () => makeUser(t, 'agent')));
    const sessions = await Promise.all(agents.map((a) => signIn(t, a)));
    const races = await Promise.all(
      sessions.map((s) => Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)])),
    );
    for (const [i, results] of races.entries()) {
      const agent = agents[i];
      const outcomes = results
        .map((r) => (r.errors ? String(r.errors[0].extensions.reason) : 'refreshed'))
        .sort();
      expect({ agent: i, outcomes }).toEqual({
        agent: i,
        outcomes: ['REFRESH_TOKEN_REUSED', 'refreshed'],
      });
      // The reuse killed the session: the winner's new refresh and access tokens are dead too.
      const winner = results.find((r) => !r.errors)!.data!.refreshToken;
      const after = await refresh(winner.refreshToken);
      expect(after.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      const me = await t.gql(ME, undefined, { authorization: `Bearer ${winner.accessToken}` });
      expect(me.errors?.[0].extensions.reason).toBe('SESSION_REVOKED');
      const [rows] = await db.query<RowDataPacket[]>(
        'SELECT revoked_reason FROM sessions WHERE user_id = ?',
        [agent.id],
      );
      expect(rows).toEqual([{ revoked_reason: 'refresh_token_reuse' }]);
    }
  });

  it('logout ends the session: its access token stops working at once', async () => {
    const agent = await makeUser(t, 'agent');
    const s = await signIn(t, agent);
    expect((await t.gql('mutation { logout }', undefined, s.auth)).data).toEqual({ logout: true });
    const me = await t.gql(ME, undefined, s.auth);
    expect(me.errors?.[0].extensions.reason).toBe('SESSION_REVOKED');
  });

  it('enrolls TOTP, then signs in in two steps; a replayed code and a reused backup code fail', async () => {
    const manager = await makeUser(t, 'manager');
    const s = await signIn(t, manager);
    const enrolled = await t.gql<{ enrollTotp: { otpauthUri: string; qrCodeDataUrl: string } }>(
      'mutation { enrollTotp { otpauthUri qrCodeDataUrl } }',
      undefined,
      s.auth,
    );
    const uri = enrolled.data!.enrollTotp.otpauthUri;
    expect(uri).toMatch(/^otpauth:\/\/totp\/CallWarden:.+\?.*secret=[A-Z2-7]+/);
    expect(uri).toMatch(/algorithm=SHA1/);
    expect(uri).toMatch(/digits=6/);
    expect(uri).toMatch(/period=30/);
    expect(enrolled.data!.enrollTotp.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const secret = /secret=([A-Z2-7]+)/.exec(uri)![1];

    // Not active until confirmed: a wrong code does not turn it on.
    const bad = await t.gql(
      'mutation C($input: MfaCodeInput!) { confirmTotp(input: $input) { codes } }',
      { input: { code: '000000' } },
      s.auth,
    );
    expect(bad.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    // Codes are kept as strings: recomputing them later could land in the next 30-second step.
    const usedCode = totp(secret);
    const nextCode = totp(secret, 1);
    const confirmed = await t.gql<{ confirmTotp: { codes: string[] } }>(
      'mutation C($input: MfaCodeInput!) { confirmTotp(input: $input) { codes } }',
      { input: { code: usedCode } },
      s.auth,
    );
    const codes = confirmed.data!.confirmTotp.codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const ip = freshIp();
    const step1 = await t.gql<{ login: { __typename: string; mfaToken: string } }>(
      LOGIN,
      { input: { email: manager.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    expect(step1.data?.login.__typename).toBe('MfaRequired');
    // The code already used to confirm enrollment is a replay: refused.
    const replay = await t.gql(
      VERIFY_MFA,
      { input: { mfaToken: step1.data!.login.mfaToken, code: usedCode } },
      { 'x-forwarded-for': ip },
    );
    expect(replay.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_MFA_CODE',
    });
    const step2 = await t.gql<{ verifyMfa: { accessToken: string } }>(
      VERIFY_MFA,
      { input: { mfaToken: step1.data!.login.mfaToken, code: nextCode } },
      { 'x-forwarded-for': ip },
    );
    expect(step2.errors).toBeUndefined();
    // The same code again in a new login: replay again.
    const second = await t.gql<{ login: { mfaToken: string } }>(
      LOGIN,
      { input: { email: manager.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    const replay2 = await t.gql(
      VERIFY_MFA,
      { input: { mfaToken: second.data!.login.mfaToken, code: nextCode } },
      { 'x-forwarded-for': ip },
    );
    expect(replay2.errors?.[0].extensions.reason).toBe('INVALID_MFA_CODE');
    // A backup code works once.
    const withBackup = await t.gql(
      VERIFY_MFA,
      { input: { mfaToken: second.data!.login.mfaToken, code: codes[0] } },
      { 'x-forwarded-for': ip },
    );
    expect(withBackup.errors).toBeUndefined();
    const third = await t.gql<{ login: { mfaToken: string } }>(
      LOGIN,
      { input: { email: manager.email, password: PASSWORD } },
      { 'x-forwarded-for': ip },
    );
    const reused = await t.gql(
      VERIFY_MFA,
      { input: { mfaToken: third.data!.login.mfaToken, code: codes[0] } },
      { 'x-forwarded-for': ip },
    );
    expect(reused.errors?.[0].extensions.reason).toBe('INVALID_MFA_CODE');
  });

  it('requires MFA by what a role may do: a custom role that inherits admin enrolls first, keys get no admin scopes', async () => {
    const admin = await signIn(t, await makeUser(t, 'admin', { mfa: true }));
    const name = `superuser${Date.now()}`;
    const created = await t.gql(
      'mutation R($input: SaveRoleInput!) { createRole(input: $input) { name } }',
      {
        input: {
          name,
          inherits: ['admin'],
          rules: [{ action: ['read'], subject: ['Report'] }],
        },
      },
      admin.auth,
    );
    expect(created.errors).toBeUndefined();
    const power = await makeUser(t, name);
    const res = await t.gql<{ login: { __typename: string; accessToken: string } }>(
      LOGIN,
      { input: { email: power.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(res.data?.login.__typename).toBe('MfaEnrollmentRequired');
    const users = await t.gql('{ users { items { id } } }', undefined, {
      authorization: `Bearer ${res.data!.login.accessToken}`,
    });
    expect(users.errors?.[0].extensions.reason).toBe('MFA_ENROLLMENT_REQUIRED');
    // A role without those capabilities signs straight in.
    const manager = await makeUser(t, 'manager');
    const plain = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: manager.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(plain.data?.login.__typename).toBe('AuthTokens');
    // An API key cannot do MFA, so it cannot carry what needs it.
    for (const scope of ['update:User', 'create:Role', 'update:CryptoKey']) {
      const key = await t.gql(
        'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey } }',
        { input: { name: 'admin key', scopes: [scope] } },
        admin.auth,
      );
      expect(key.errors?.[0].extensions).toMatchObject({ reason: 'SCOPE_EXCEEDED' });
    }
  });

  it('tells the user by email of a password change, a new API key, a new device and a reused code, never with a secret', async () => {
    const outbox = t.app.get(NotificationsService);
    const notices = async (user: { email: string }, notice: string) =>
      (await outbox.listByTemplate(`security_${notice}`, 200)).filter(
        (n) => n.recipient === user.email,
      );
    const manager = await makeUser(t, 'manager', { mfa: true });
    const first = await signIn(t, manager);
    // A new API key.
    const key = await t.gql<{ createApiKey: { apiKey: string } }>(
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey } }',
      { input: { name: 'notice', scopes: ['read:Report'] } },
      first.auth,
    );
    expect(key.errors).toBeUndefined();
    const keyNotice = await notices(manager, 'api_key_created');
    expect(keyNotice).toHaveLength(1);
    expect(keyNotice[0].body).not.toContain(key.data!.createApiKey.apiKey.slice(20));
    // A sign-in from a device (user agent) none of the sessions came from; the same one again is quiet.
    const fromTablet = async () => {
      const login = await t.gql<{ login: { mfaToken: string } }>(
        LOGIN,
        { input: { email: manager.email, password: PASSWORD } },
        { 'x-forwarded-for': freshIp(), 'user-agent': 'Tablet/1.0' },
      );
      return t.gql(
        VERIFY_MFA,
        { input: { mfaToken: login.data!.login.mfaToken, code: manager.backupCodes!.shift()! } },
        { 'x-forwarded-for': freshIp(), 'user-agent': 'Tablet/1.0' },
      );
    };
    expect((await fromTablet()).errors).toBeUndefined();
    expect(await notices(manager, 'new_device_sign_in')).toHaveLength(1);
    expect((await fromTablet()).errors).toBeUndefined();
    expect(await notices(manager, 'new_device_sign_in')).toHaveLength(1);
    // A TOTP code entered twice: the second is refused and reported.
    const code = totp(manager.totpSecret!);
    const step = async () =>
      t.gql(
        'mutation S($input: MfaCodeInput!) { stepUp(input: $input) { validUntil } }',
        { input: { code } },
        first.auth,
      );
    await step();
    const replay = await step();
    expect(replay.errors?.[0].extensions.reason).toBe('INVALID_MFA_CODE');
    expect(await notices(manager, 'totp_code_reused')).toHaveLength(1);
    // A password change.
    const changed = await t.gql(
      'mutation P($input: ChangePasswordInput!) { changePassword(input: $input) }',
      { input: { currentPassword: PASSWORD, newPassword: 'Another long pass phrase 77' } },
      first.auth,
    );
    expect(changed.errors).toBeUndefined();
    const pw = await notices(manager, 'password_changed');
    expect(pw).toHaveLength(1);
    expect(pw[0].body).not.toContain('Another long pass phrase 77');
  });

  it('checks passwords against the 10,000+ most common ones, at sign-in too, prompting a change', async () => {
    const agent = await makeUser(t, 'agent');
    const session = await signIn(t, agent);
    // Common words with digits and punctuation appended are refused as new passwords.
    for (const weak of ['sunshine2026!!', 'Football123456', 'Iloveyou-2026!']) {
      const res = await t.gql(
        'mutation P($input: ChangePasswordInput!) { changePassword(input: $input) }',
        { input: { currentPassword: PASSWORD, newPassword: weak } },
        session.auth,
      );
      expect(res.errors?.[0].extensions).toMatchObject({ reason: 'PASSWORD_POLICY' });
    }
    // A password set before the list grew signs in, and the user is told to change it.
    const old = 'sunshine12345';
    await db.query('UPDATE users SET password_hash = ? WHERE id = ?', [
      await t.app.get(PasswordService).hash(old),
      agent.id,
    ]);
    const login = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: agent.email, password: old } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(login.data?.login.__typename).toBe('AuthTokens');
    const due = (
      await t.app.get(NotificationsService).listByTemplate('security_password_change_due', 100)
    ).filter((n) => n.recipient === agent.email);
    expect(due).toHaveLength(1);
    expect(due[0].body).not.toContain(old);
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.password_change_due' AND resource_id = ?",
      [agent.id],
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('checks at most five codes per MFA challenge, however many arrive at once', async () => {
    const user = await makeUser(t, 'manager', { mfa: true });
    const login = await t.gql<{ login: { mfaToken: string } }>(
      LOGIN,
      { input: { email: user.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    const mfaToken = login.data!.login.mfaToken;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.gql(
          VERIFY_MFA,
          { input: { mfaToken, code: String(100000 + i) } },
          { 'x-forwarded-for': freshIp() },
        ),
      ),
    );
    const reasons = results.map((r) => r.errors?.[0].extensions.reason);
    expect(reasons.filter((r) => r === 'INVALID_MFA_CODE').length).toBeLessThanOrEqual(5);
    expect(reasons.every((r) => r === 'INVALID_MFA_CODE' || r === 'INVALID_MFA_TOKEN')).toBe(true);
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT attempts FROM one_time_tokens WHERE user_id = ? AND kind = 'mfa_challenge' ORDER BY expires_at DESC LIMIT 1",
      [user.id],
    );
    expect(Number(rows[0].attempts)).toBe(5);
  });

  it('makes an admin without MFA enroll before anything else', async () => {
    const admin = await makeUser(t, 'admin');
    const res = await t.gql<{ login: { __typename: string; accessToken: string } }>(
      LOGIN,
      { input: { email: admin.email, password: PASSWORD } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(res.data?.login.__typename).toBe('MfaEnrollmentRequired');
    const auth = { authorization: `Bearer ${res.data!.login.accessToken}` };
    const users = await t.gql('{ users { items { id } } }', undefined, auth);
    expect(users.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'MFA_ENROLLMENT_REQUIRED',
    });
    const enroll = await t.gql('mutation { enrollTotp { otpauthUri } }', undefined, auth);
    expect(enroll.errors).toBeUndefined();
    const me = await t.gql(ME, undefined, auth);
    expect(me.errors).toBeUndefined();
  });

  it('needs a recent MFA check for sensitive operations (step-up)', async () => {
    const admin = await makeUser(t, 'admin', { mfa: true });
    const s = await signIn(t, admin);
    await db.query(
      'UPDATE sessions SET mfa_verified_at = NOW(3) - INTERVAL 11 MINUTE WHERE user_id = ?',
      [admin.id],
    );
    t.app.get(SessionService).forgetCachedLiveness(); // the liveness cache holds up to 2 s
    const create =
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey } }';
    const refused = await t.gql(
      create,
      { input: { name: 'x', scopes: ['read:Customer'] } },
      s.auth,
    );
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'STEP_UP_REQUIRED',
    });
    // updateUser needs the same check for a role change only.
    const target = await makeUser(t, 'viewer');
    const update =
      'mutation U($input: UpdateUserInput!) { updateUser(input: $input) { role displayName } }';
    const roleRefused = await t.gql(update, { input: { id: target.id, role: 'agent' } }, s.auth);
    expect(roleRefused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'STEP_UP_REQUIRED',
    });
    const renamed = await t.gql(
      update,
      { input: { id: target.id, displayName: 'Renamed without step-up' } },
      s.auth,
    );
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data).toMatchObject({ updateUser: { role: 'viewer' } });
    const up = await t.gql(
      'mutation S($input: MfaCodeInput!) { stepUp(input: $input) { validUntil } }',
      { input: { code: admin.backupCodes!.shift()! } },
      s.auth,
    );
    expect(up.errors).toBeUndefined();
    const allowed = await t.gql(
      create,
      { input: { name: 'x', scopes: ['read:Customer'] } },
      s.auth,
    );
    expect(allowed.errors).toBeUndefined();
    const roleChanged = await t.gql(update, { input: { id: target.id, role: 'agent' } }, s.auth);
    expect(roleChanged.errors).toBeUndefined();
    expect(roleChanged.data).toMatchObject({ updateUser: { role: 'agent' } });
  });

  it('enforces the password policy and changes passwords, ending other sessions', async () => {
    const agent = await makeUser(t, 'agent');
    const a = await signIn(t, agent);
    const b = await signIn(t, agent);
    const change = 'mutation P($input: ChangePasswordInput!) { changePassword(input: $input) }';
    for (const [bad, rule] of [
      ['short pass', 'length'],
      ['x'.repeat(129), 'length'],
      ['password123456', 'common'],
      [`${agent.email.split('@')[0]}-secret-2026`, 'email'],
    ]) {
      const r = await t.gql(
        change,
        { input: { currentPassword: PASSWORD, newPassword: bad } },
        a.auth,
      );
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'PASSWORD_POLICY',
        details: { rule },
      });
    }
    const wrongCurrent = await t.gql(
      change,
      { input: { currentPassword: 'nope nope nope nope', newPassword: 'a brand new pass phrase' } },
      a.auth,
    );
    expect(wrongCurrent.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const ok = await t.gql(
      change,
      { input: { currentPassword: PASSWORD, newPassword: 'a brand new pass phrase' } },
      a.auth,
    );
    expect(ok.errors).toBeUndefined();
    expect((await t.gql(ME, undefined, a.auth)).errors).toBeUndefined();
    expect((await t.gql(ME, undefined, b.auth)).errors?.[0].extensions.reason).toBe(
      'SESSION_REVOKED',
    );
  });

  it('resets a forgotten password through a single-use emailed token; unknown emails look the same', async () => {
    const agent = await makeUser(t, 'agent');
    const s = await signIn(t, agent);
    const request =
      'mutation Q($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) }';
    expect(
      (await t.gql(request, { input: { email: `ghost.${Date.now()}@e2e.callwarden.test` } })).data,
    ).toEqual({ requestPasswordReset: true });
    expect((await t.gql(request, { input: { email: agent.email } })).data).toEqual({
      requestPasswordReset: true,
    });

    const outbox = await t.app.get(NotificationsService).listByTemplate('password_reset', 20);
    const mail = outbox.find((n) => n.recipient === agent.email)!;
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail.body)![1];
    const [raw] = await db.query<RowDataPacket[]>(
      'SELECT body_enc FROM notification_outbox WHERE id = ?',
      [mail.id],
    );
    expect((raw[0].body_enc as Buffer).toString('latin1')).not.toContain(token);

    const reset = 'mutation Z($input: ResetPasswordInput!) { resetPassword(input: $input) }';
    expect(
      (await t.gql(reset, { input: { token, newPassword: 'short' } })).errors?.[0].extensions
        .reason,
    ).toBe('PASSWORD_POLICY');
    expect(
      (await t.gql(reset, { input: { token, newPassword: 'my new reset pass phrase' } })).errors,
    ).toBeUndefined();
    expect(
      (await t.gql(reset, { input: { token, newPassword: 'another new pass phrase' } })).errors?.[0]
        .extensions.reason,
    ).toBe('INVALID_RESET_TOKEN');
    expect((await t.gql(ME, undefined, s.auth)).errors?.[0].extensions.reason).toBe(
      'SESSION_REVOKED',
    );
    const login = await t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: agent.email, password: 'my new reset pass phrase' } },
      { 'x-forwarded-for': freshIp() },
    );
    expect(login.data?.login.__typename).toBe('AuthTokens');
  });

  it('lists and revokes sessions; another user’s session is not found', async () => {
    const agent = await makeUser(t, 'agent');
    const other = await makeUser(t, 'agent');
    const a = await signIn(t, agent);
    const b = await signIn(t, agent);
    const o = await signIn(t, other);
    const mine = await t.gql<{ mySessions: { id: string; current: boolean }[] }>(
      '{ mySessions { id current } }',
      undefined,
      a.auth,
    );
    expect(mine.data!.mySessions).toHaveLength(2);
    const theirs = await t.gql<{ mySessions: { id: string }[] }>(
      '{ mySessions { id } }',
      undefined,
      o.auth,
    );
    const revoke = 'mutation V($input: SessionIdInput!) { revokeSession(input: $input) }';
    const foreign = await t.gql(revoke, { input: { id: theirs.data!.mySessions[0].id } }, a.auth);
    expect(foreign.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const otherOfMine = mine.data!.mySessions.find((x) => !x.current)!;
    expect((await t.gql(revoke, { input: { id: otherOfMine.id } }, a.auth)).errors).toBeUndefined();
    expect((await t.gql(ME, undefined, b.auth)).errors?.[0].extensions.reason).toBe(
      'SESSION_REVOKED',
    );
    expect((await t.gql(ME, undefined, o.auth)).errors).toBeUndefined();
  });
});
