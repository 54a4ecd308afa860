import { DEVICE_COOKIE } from '../src/modules/identity/services/trusted-devices.service';
import { UsersService } from '../src/modules/identity/services/users.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { describeBuckets, LatencySummary, LoadResult, runLoad } from './lib/load';
import { OpenLoopResult, runOpenLoop } from './lib/open-loop';
import {
  graphqlPost,
  loginForToken,
  pinDatabaseServer,
  pinThisProcess,
  startChildServer,
} from './lib/server';

const BENCH = 'login';
const EMAIL = 'login.agent@bench.callwarden.test';
const PASSWORD = 'A long enough pass phrase 42';
const SERVER_CPU = 1;
const LOADGEN_CPU = 0;
const LOGIN_CONNECTIONS = 8;
/**
 * `me` requests a second, open loop, idle and during the flood: other users' traffic at a fifth
 * of what the server answers idle, so its latency is theirs, not a saturated queue's.
 */
const ME_RATE = 200;
/** Bogus sign-ins a second during the flood, each from its own address: far above argon2's rate. */
const FLOOD_RATE = 1000;
/**
 * Sign-ins a second with the right password during the flood, from one office address: as many
 * from a device that signed in before (each a user of its own with the cookie its earlier sign-in
 * set) as from a new one.
 */
const REAL_RATE = 2;
const OFFICE_IP = '192.0.2.10';
/**
 * Lockouts must stay out of the way (every request comes from 127.0.0.1, and the per-address
 * lockout would otherwise start after 5 failures). The config validator caps these at 1,000,
 * 10,000 and 100,000 (a larger value makes the server refuse to start).
 */
const LOCKOUT_ENV = {
  LOGIN_MAX_FAILURES: '1000',
  LOGIN_ACCOUNT_MAX_FAILURES: '10000',
  LOGIN_IP_MAX_ACCOUNTS: '100000',
};

const LOGIN_QUERY =
  'mutation Login($input: LoginInput!) { login(input: $input) { __typename ... on AuthTokens { accessToken } } }';
const ME_QUERY = '{ me { id } }';

/**
 * Buckets a login response: `ok` (an access token), `RATE_LIMITED`, or the error's code (GraphQL
 * answers errors with HTTP 200); `reasons` counts every response by code and reason.
 */
function loginClassifier(reasons: Map<string, number>) {
  return (_status: number, body: string): string => {
    const ok = body.includes('"accessToken"');
    const code = ok ? 'ok' : (/"code":"([A-Z_]+)"/.exec(body)?.[1] ?? 'unknown');
    const reason = ok ? undefined : /"reason":"([A-Z_]+)"/.exec(body)?.[1];
    const key = reason ? `${code}:${reason}` : code;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    return code;
  };
}

function describeCounts(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** Requests of the flood's warm-up, numbered before the measured flood's (addresses, emails). */
const WARM_FLOOD = FLOOD_RATE * 2;

/**
 * The flood: FLOOD_RATE bogus sign-ins a second, open loop, request i from its own address
 * (X-Forwarded-For) with its own unknown email; `from` numbers them after an earlier run's.
 */
function bogusSignIns(
  url: string,
  seconds: number,
  from: number,
  reasons: Map<string, number>,
): Promise<OpenLoopResult> {
  const n = (i: number) => from + i + 1;
  return runOpenLoop({
    url,
    path: '/graphql',
    ratePerSecond: FLOOD_RATE,
    durationSeconds: seconds,
    headers: (i) => ({
      'x-forwarded-for': `10.${(n(i) >> 16) & 255}.${(n(i) >> 8) & 255}.${n(i) & 255}`,
    }),
    body: (i) =>
      JSON.stringify({
        query: LOGIN_QUERY,
        variables: {
          input: {
            email: `nobody.${process.pid}.${n(i)}@bench.callwarden.test`,
            password: 'not the right pass phrase',
          },
        },
      }),
    classify: loginClassifier(reasons),
  });
}

/** Signs in once with the right password and returns the trusted-device cookie it sets. */
async function deviceCookie(url: string, loginBody: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': OFFICE_IP },
    body: loginBody,
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
  if (!cookie) throw new Error(`login set no ${DEVICE_COOKIE} cookie (HTTP ${res.status})`);
  return cookie;
}

function classifyMe(_status: number, body: string): string {
  return body.includes('"errors"') ? 'error' : 'ok';
}

/**
 * Logins under load, against the server in a child process pinned to one core: logins per second
 * with the right password; then the p99 of a cheap authenticated query (`me`) idle and while 500
 * connections send bogus logins, and how fast the overflow logins are turned away.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const users = ctx.app.get(UsersService);
  /** An agent who signs in with PASSWORD. */
  const agent = (email: string) =>
    ctx.dataSource.transaction((m) =>
      users.create(
        { email, displayName: 'Bench Agent', role: 'agent', teamId: 'bench', password: PASSWORD },
        m,
      ),
    );
  await agent(EMAIL);
  const seconds = ctx.scale === 'full' ? 30 : 10;
  const server = await startChildServer({
    entry: 'src/main.ts',
    // One proxy hop trusted: the flood comes from many addresses (X-Forwarded-For).
    env: {
      ...ctx.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      TRUST_PROXY_HOPS: '1',
      ...LOCKOUT_ENV,
    },
    cpu: SERVER_CPU,
    log: ctx.log,
  });
  const unpin = pinThisProcess(LOADGEN_CPU, ctx.log);
  const unpinDatabase = await pinDatabaseServer(ctx.dataSource, LOADGEN_CPU, ctx.log);
  try {
    const token = await loginForToken(server.url, EMAIL, PASSWORD);
    const me = await graphqlPost<{ me: { id: string } }>(server.url, ME_QUERY, {}, token);
    if (!me.data?.me.id) throw new Error(`me gave ${JSON.stringify(me).slice(0, 500)}`);

    const json = { 'content-type': 'application/json' };
    const loginBody = JSON.stringify({
      query: LOGIN_QUERY,
      variables: { input: { email: EMAIL, password: PASSWORD } },
    });
    const meLoad = (durationSeconds: number) =>
      runOpenLoop({
        url: server.url,
        path: '/graphql',
        ratePerSecond: ME_RATE,
        durationSeconds,
        headers: () => ({ authorization: `Bearer ${token}` }),
        body: () => JSON.stringify({ query: ME_QUERY }),
        classify: classifyMe,
      });

    ctx.log('login: warm-up 2 s');
    await runLoad({
      url: server.url,
      path: '/graphql',
      headers: json,
      body: loginBody,
      connections: LOGIN_CONNECTIONS,
      durationSeconds: 2,
      classify: loginClassifier(new Map()),
    });
    ctx.log(`login: right password, ${LOGIN_CONNECTIONS} connections, ${seconds} s`);
    const loginReasons = new Map<string, number>();
    const logins = await runLoad({
      url: server.url,
      path: '/graphql',
      headers: json,
      body: loginBody,
      connections: LOGIN_CONNECTIONS,
      durationSeconds: seconds,
      classify: loginClassifier(loginReasons),
    });
    ctx.log(`login: ${describeCounts(loginReasons)}`);

    // Users who signed in from their device before the flood: one each per trusted sign-in.
    const trustedCount = REAL_RATE * seconds;
    ctx.log(`login: ${trustedCount} users sign in once for their device cookie`);
    const trustedBodies: string[] = [];
    const cookies: string[] = [];
    for (let i = 0; i < trustedCount; i++) {
      const email = `trusted.${i}.${EMAIL}`;
      await agent(email);
      const body = JSON.stringify({
        query: LOGIN_QUERY,
        variables: { input: { email, password: PASSWORD } },
      });
      trustedBodies.push(body);
      cookies.push(await deviceCookie(server.url, body));
    }

    // New-device sign-ins go to an account of their own, not the one `me` reads as.
    const freshEmail = `new-device.${EMAIL}`;
    await agent(freshEmail);
    const freshBody = JSON.stringify({
      query: LOGIN_QUERY,
      variables: { input: { email: freshEmail, password: PASSWORD } },
    });

    ctx.log(`login: idle me, ${ME_RATE}/s open loop, 5 s`);
    await meLoad(2);
    const idle = await meLoad(5);

    ctx.log(`login: warm-up, ${FLOOD_RATE} bogus logins/s for 2 s`);
    await bogusSignIns(server.url, 2, 0, new Map());
    ctx.log(
      `login: open loop of ${FLOOD_RATE} bogus logins/s from as many addresses, ${REAL_RATE}/s ` +
        `real ones from trusted and from new devices each, and ${ME_RATE}/s me, ${seconds} s`,
    );
    const floodReasons = new Map<string, number>();
    const trustedReasons = new Map<string, number>();
    const freshReasons = new Map<string, number>();
    const [flood, trusted, fresh, busy] = await Promise.all([
      bogusSignIns(server.url, seconds, WARM_FLOOD, floodReasons),
      runOpenLoop({
        url: server.url,
        path: '/graphql',
        ratePerSecond: REAL_RATE,
        durationSeconds: seconds,
        headers: (i) => ({ 'x-forwarded-for': OFFICE_IP, cookie: cookies[i] }),
        body: (i) => trustedBodies[i],
        classify: loginClassifier(trustedReasons),
      }),
      runOpenLoop({
        url: server.url,
        path: '/graphql',
        ratePerSecond: REAL_RATE,
        durationSeconds: seconds,
        headers: () => ({ 'x-forwarded-for': OFFICE_IP }),
        body: () => freshBody,
        classify: loginClassifier(freshReasons),
      }),
      meLoad(seconds),
    ]);
    ctx.log(
      `login: flood ${describeCounts(floodReasons)}; trusted ${describeCounts(trustedReasons)}; ` +
        `new device ${describeCounts(freshReasons)}; me ${describeBuckets(busy.buckets)}`,
    );
    return figures({
      logins,
      loginReasons,
      idle,
      flood,
      floodReasons,
      trusted,
      trustedReasons,
      fresh,
      freshReasons,
      busy,
      seconds,
    });
  } finally {
    unpin();
    unpinDatabase();
    await server.stop();
  }
}

interface Runs {
  logins: LoadResult;
  loginReasons: Map<string, number>;
  idle: OpenLoopResult;
  flood: OpenLoopResult;
  floodReasons: Map<string, number>;
  trusted: OpenLoopResult;
  trustedReasons: Map<string, number>;
  fresh: OpenLoopResult;
  freshReasons: Map<string, number>;
  busy: OpenLoopResult;
  seconds: number;
}

function figures({
  logins,
  loginReasons,
  idle,
  flood,
  floodReasons,
  trusted,
  trustedReasons,
  fresh,
  freshReasons,
  busy,
  seconds,
}: Runs): Figure[] {
  const ok = logins.buckets.get('ok');
  const limited = flood.buckets.get('RATE_LIMITED');
  const limitedServed = flood.served.get('RATE_LIMITED');
  const share = (r: OpenLoopResult) =>
    ((r.buckets.get('ok')?.count ?? 0) / Math.max(1, r.answered)) * 100;
  const meIdle = idle.served.get('ok');
  const meBusy = busy.served.get('ok');
  const meIdleP99 = meIdle?.p99 ?? Number.NaN;
  const meBusyP99 = meBusy?.p99 ?? Number.NaN;
  const meNote = (r: OpenLoopResult, served: LatencySummary | undefined) =>
    `p50 ${served?.p50.toFixed(2) ?? '-'} ms; answers ${describeBuckets(r.buckets)}, ${r.failed} ` +
    `without one; from each request's scheduled start p99 ${r.latency.p99.toFixed(1)} ms (the ` +
    `driver's own lag p99 ${r.sendLag.p99.toFixed(1)} ms)`;
  const pinned = `server pinned to core ${SERVER_CPU}, load generators to core ${LOADGEN_CPU}`;
  const lockNote =
    `LOGIN_MAX_FAILURES=${LOCKOUT_ENV.LOGIN_MAX_FAILURES}, LOGIN_ACCOUNT_MAX_FAILURES=` +
    `${LOCKOUT_ENV.LOGIN_ACCOUNT_MAX_FAILURES} and LOGIN_IP_MAX_ACCOUNTS=` +
    `${LOCKOUT_ENV.LOGIN_IP_MAX_ACCOUNTS} in the child (every request comes from 127.0.0.1; the ` +
    'config validator caps them at 1000 / 10000 / 100000)';
  return [
    figure(BENCH, 'logins_per_s', (ok?.count ?? 0) / logins.seconds, 'logins/s', {
      note:
        `right password, ${LOGIN_CONNECTIONS} connections, ${seconds} s; argon2id m=19 MiB t=2 p=1, ` +
        `the default hashing concurrency (half the server's one core, at least 1) and CPU budget (PASSWORD_HASH_CPU_PERCENT 25); responses: ${describeCounts(loginReasons)}; ${pinned}`,
    }),
    figure(BENCH, 'login_failures', logins.total - (ok?.count ?? 0), 'responses', {
      max: 0,
      note:
        'right-password logins that did not return tokens (same user on 8 connections); when ' +
        'investigated, the INTERNAL ones were ER_LOCK_DEADLOCK in AuthService.startSession ' +
        '(session INSERT then users UPDATE of the same user row); BENCH_SERVER_LOG=<file> keeps ' +
        "the server's log",
    }),
    figure(BENCH, 'login_p50_ms', ok?.p50 ?? Number.NaN, 'ms'),
    figure(BENCH, 'login_p99_ms', ok?.p99 ?? Number.NaN, 'ms'),
    figure(BENCH, 'me_idle_p99_ms', meIdleP99, 'ms', {
      note:
        `{ me { id } } at ${ME_RATE}/s open loop, 5 s, from when the driver handed each request ` +
        `to its client to the answer: ${meNote(idle, meIdle)}`,
    }),
    figure(BENCH, 'me_overload_p99_ms', meBusyP99, 'ms', {
      note:
        `the same ${ME_RATE}/s while ${FLOOD_RATE} bogus logins/s arrive open loop (each from its ` +
        `own address through X-Forwarded-For, random emails, wrong password), ${seconds} s: ` +
        meNote(busy, meBusy),
    }),
    figure(BENCH, 'me_overload_vs_idle_p99', meBusyP99 / meIdleP99, 'x', { max: 2, decimals: 1 }),
    figure(BENCH, 'overflow_rate_limited_p99_ms', limitedServed?.p99 ?? Number.NaN, 'ms', {
      max: 20,
      note:
        `open loop, ${FLOOD_RATE} bogus logins/s: p99 over the answers whose error code is ` +
        `RATE_LIMITED (${limited?.count ?? 0}, p50 ${limitedServed?.p50.toFixed(1) ?? '-'} ms), ` +
        'refused before GraphQL parses them while the hashing queue is full, from when the ' +
        "driver's socket was ready to send (the server's queue is in it). From each request's " +
        `scheduled start: p50 ${limited?.p50.toFixed(1) ?? '-'} ms, p99 ` +
        `${limited?.p99.toFixed(1) ?? '-'} ms, the difference being the driver's own lag ` +
        `(p50 ${flood.sendLag.p50.toFixed(1)} ms, p99 ${flood.sendLag.p99.toFixed(1)} ms: it ` +
        `shares core ${LOADGEN_CPU} with the bench process and MariaDB). ${lockNote}`,
    }),
    figure(
      BENCH,
      'overflow_rate_limited_share',
      ((limited?.count ?? 0) / Math.max(1, flood.answered)) * 100,
      '%',
      {
        decimals: 1,
        note:
          `${flood.answered} of ${flood.scheduled} bogus logins answered in ` +
          `${flood.seconds.toFixed(1)} s: ${describeCounts(floodReasons)}; ${flood.failed} ` +
          'connection errors',
      },
    ),
    figure(BENCH, 'trusted_signins_ok_share_under_flood', share(trusted), '%', {
      min: 99,
      decimals: 1,
      note:
        `${REAL_RATE} right-password sign-ins/s from one address during the flood, each with the ` +
        `device cookie an earlier sign-in set (no retry): ${describeCounts(trustedReasons)}; ` +
        'they hash in their own lane, which the flood cannot fill',
    }),
    figure(
      BENCH,
      'trusted_signin_p99_under_flood_ms',
      trusted.buckets.get('ok')?.p99 ?? Number.NaN,
      'ms',
    ),
    figure(BENCH, 'new_device_signins_ok_share_under_flood', share(fresh), '%', {
      decimals: 1,
      note:
        `${REAL_RATE} right-password sign-ins/s without a device cookie during the flood (no ` +
        `retry): ${describeCounts(freshReasons)}. Nothing tells them from the flood before the ` +
        'hash, so they win a slot about as often as a bogus one: the share is about the hashing ' +
        'rate over the arrival rate, by design',
    }),
  ];
}
