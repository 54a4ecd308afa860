import type { RowDataPacket } from 'mysql2/promise';
import { PasswordService } from '../src/modules/identity/services/password.service';
import { freshIp, LOGIN, makeUser, signIn, TestUser } from './utils/identity';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';

/**
 * Sign-ins beyond the hashing budget are refused at the edge: before GraphQL parses them, with
 * 429 RATE_LIMITED / HASHING_BUSY, while the rest of the API answers; the refusals are audited
 * in aggregate.
 */
describe('sign-in flood (e2e): refused before GraphQL, audited in aggregate', () => {
  const app = useTestApp({
    // One hash at a time, none waiting, each slow enough (about a second or more) that the test
    // sends its requests while the one sign-in in flight holds the only slot.
    PASSWORD_HASH_CONCURRENCY: '1',
    PASSWORD_HASH_QUEUE: '0',
    ARGON2_MEMORY_KIB: '131072',
    ARGON2_TIME_COST: '20',
    LOGIN_SHED_AUDIT_SECONDS: '1',
    RETENTION_CRON: 'off',
  });

  let user: TestUser;
  let other: TestUser;
  let auth: Record<string, string>;
  /** The trusted-device cookies `user` and `other` got at their first sign-in. */
  let device: string;
  let otherDevice: string;

  const deviceCookieOf = (headers: Headers) => {
    const set = headers.getSetCookie().find((c) => c.startsWith('cw_device='));
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/graphql/);
    return set!.split(';', 1)[0];
  };

  beforeAll(async () => {
    user = await makeUser(app.t, 'agent');
    other = await makeUser(app.t, 'agent');
    auth = (await signIn(app.t, user)).auth;
    for (const u of [user, other]) {
      const res = await app.t.gql(
        LOGIN,
        { input: { email: u.email, password: u.password } },
        { 'x-forwarded-for': freshIp() },
      );
      expect(res.errors).toBeUndefined();
      if (u === user) device = deviceCookieOf(res.headers);
      else otherDevice = deviceCookieOf(res.headers);
    }
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${app.t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  // Not a GraphQL document at all: the closing braces are missing.
  const MALFORMED = 'mutation { login(input: { email: "a@b.test", password: "x" }) { __typename ';

  it('refuses sign-ins while hashing is saturated, before parsing them, and answers the rest', async () => {
    const [{ since }] = (
      await app.db.query<RowDataPacket[]>('SELECT COALESCE(MAX(seq), 0) AS since FROM audit_events')
    )[0] as { since: string }[];
    const passwords = app.t.app.get(PasswordService);
    const real = app.t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: user.email, password: user.password } },
      { 'x-forwarded-for': freshIp() },
    );
    await until('the sign-in to hold the only hashing slot', () =>
      Promise.resolve(passwords.saturated),
    );

    const refused = await post({ query: MALFORMED }, { 'x-forwarded-for': freshIp() });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as {
      data: null;
      errors: { extensions: Record<string, unknown> }[];
    };
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'HASHING_BUSY',
      retryAfterSeconds: 1,
    });
    // A flood from many addresses: every one refused, and the rest of the API answers meanwhile.
    const ips = Array.from({ length: 20 }, () => freshIp());
    const [flood, me] = await Promise.all([
      Promise.all(
        ips.map((ip) =>
          post(
            { query: LOGIN, variables: { input: { email: `x.${ip}@nobody.test`, password: 'p' } } },
            { 'x-forwarded-for': ip },
          ),
        ),
      ),
      app.t.gql<{ me: { id: string } }>('{ me { id } }', {}, auth),
    ]);
    expect(flood.map((r) => r.status)).toEqual(ips.map(() => 429));
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.id).toBe(user.id);

    // The user's own device has a lane of its own: admitted (it waits for the slot); the same
    // sign-in without the cookie, or with another account's, is refused like the flood.
    const signInFrom = (cookie?: string) =>
      post(
        { query: LOGIN, variables: { input: { email: user.email, password: user.password } } },
        { 'x-forwarded-for': freshIp(), ...(cookie ? { cookie } : {}) },
      );
    const trusted = signInFrom(device);
    const [bare, borrowed] = await Promise.all([signInFrom(), signInFrom(otherDevice)]);
    expect([bare.status, borrowed.status]).toEqual([429, 429]);
    expect(passwords.saturated).toBe(true);
    const admitted = await trusted;
    expect(admitted.status).toBe(200);
    const admittedBody = (await admitted.json()) as { data: { login: { __typename: string } } };
    expect(admittedBody.data.login.__typename).toBe('AuthTokens');

    // The one admitted completes.
    const done = await real;
    expect(done.errors).toBeUndefined();
    expect(done.data!.login.__typename).toBe('AuthTokens');
    // With the slot free the same request is parsed, and refused for what it is.
    const parsed = await post({ query: MALFORMED }, { 'x-forwarded-for': freshIp() });
    const parsedBody = (await parsed.json()) as { errors: { extensions: unknown }[] };
    expect(parsedBody.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
    });

    // The 23 refusals are in the audit log in aggregate, with their distinct addresses.
    const shed = await until('the refusals to be audited', async () => {
      const [found] = await app.db.query<RowDataPacket[]>(
        `SELECT JSON_VALUE(changes, '$.shed') AS shed, JSON_VALUE(changes, '$.addresses') AS addresses
           FROM audit_events
          WHERE seq > ? AND action = 'auth.login' AND error_code = 'HASHING_BUSY'`,
        [since],
      );
      const rows = found as { shed: string; addresses: string }[];
      const total = rows.reduce((n, r) => n + Number(r.shed), 0);
      return total >= 23 && rows;
    });
    expect(shed.reduce((n, r) => n + Number(r.shed), 0)).toBe(23);
    expect(shed.reduce((n, r) => n + Number(r.addresses), 0)).toBe(23);
  });
});
