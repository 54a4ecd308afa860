import { UsersService } from '../src/modules/identity/services/users.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { describeBuckets, LoadResult, runLoad } from './lib/load';
import { graphqlPost, loginForToken, pinThisProcess, startChildServer } from './lib/server';

const BENCH = 'login';
const EMAIL = 'login.agent@bench.callwarden.test';
const PASSWORD = 'A long enough pass phrase 42';
const SERVER_CPU = 1;
const LOADGEN_CPU = 0;
const LOGIN_CONNECTIONS = 8;
const ME_CONNECTIONS = 10;
const FLOOD_CONNECTIONS = 500;
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
  await ctx.dataSource.transaction((m) =>
    users.create(
      {
        email: EMAIL,
        displayName: 'Bench Agent',
        role: 'agent',
        teamId: 'bench',
        password: PASSWORD,
      },
      m,
    ),
  );
  const seconds = ctx.scale === 'full' ? 30 : 10;
  const server = await startChildServer({
    entry: 'src/main.ts',
    env: { ...ctx.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...LOCKOUT_ENV },
    cpu: SERVER_CPU,
    log: ctx.log,
  });
  const unpin = pinThisProcess(LOADGEN_CPU, ctx.log);
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
      runLoad({
        url: server.url,
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ME_QUERY }),
        connections: ME_CONNECTIONS,
        durationSeconds,
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

    ctx.log(`login: idle me, ${ME_CONNECTIONS} connections, 5 s`);
    await meLoad(2);
    const idle = await meLoad(5);

    ctx.log(
      `login: ${FLOOD_CONNECTIONS} connections of bogus logins and ${ME_CONNECTIONS} of me, ${seconds} s`,
    );
    let n = 0;
    const bogusBody = () =>
      JSON.stringify({
        query: LOGIN_QUERY,
        variables: {
          input: {
            email: `nobody.${process.pid}.${n++}.${Math.random().toString(36).slice(2, 8)}@bench.callwarden.test`,
            password: 'not the right pass phrase',
          },
        },
      });
    const floodReasons = new Map<string, number>();
    const [flood, busy] = await Promise.all([
      runLoad({
        url: server.url,
        path: '/graphql',
        headers: json,
        body: bogusBody,
        connections: FLOOD_CONNECTIONS,
        durationSeconds: seconds,
        classify: loginClassifier(floodReasons),
      }),
      meLoad(seconds),
    ]);
    ctx.log(`login: flood ${describeCounts(floodReasons)}; me ${describeBuckets(busy.buckets)}`);
    return figures({ logins, loginReasons, idle, flood, floodReasons, busy, seconds });
  } finally {
    unpin();
    await server.stop();
  }
}

interface Runs {
  logins: LoadResult;
  loginReasons: Map<string, number>;
  idle: LoadResult;
  flood: LoadResult;
  floodReasons: Map<string, number>;
  busy: LoadResult;
  seconds: number;
}

function figures({
  logins,
  loginReasons,
  idle,
  flood,
  floodReasons,
  busy,
  seconds,
}: Runs): Figure[] {
  const ok = logins.buckets.get('ok');
  const limited = flood.buckets.get('RATE_LIMITED');
  const meIdleP99 = idle.latency.p99;
  const meBusyP99 = busy.latency.p99;
  const pinned = `server pinned to core ${SERVER_CPU}, autocannon to core ${LOADGEN_CPU}`;
  const lockNote =
    `LOGIN_MAX_FAILURES=${LOCKOUT_ENV.LOGIN_MAX_FAILURES}, LOGIN_ACCOUNT_MAX_FAILURES=` +
    `${LOCKOUT_ENV.LOGIN_ACCOUNT_MAX_FAILURES} and LOGIN_IP_MAX_ACCOUNTS=` +
    `${LOCKOUT_ENV.LOGIN_IP_MAX_ACCOUNTS} in the child (every request comes from 127.0.0.1; the ` +
    'config validator caps them at 1000 / 10000 / 100000)';
  return [
    figure(BENCH, 'logins_per_s', (ok?.count ?? 0) / logins.seconds, 'logins/s', {
      note:
        `right password, ${LOGIN_CONNECTIONS} connections, ${seconds} s; argon2id m=19 MiB t=2 p=1, ` +
        `PASSWORD_HASH_CONCURRENCY 2; responses: ${describeCounts(loginReasons)}; ${pinned}`,
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
      note: `{ me { id } }, ${ME_CONNECTIONS} connections, 5 s, ${idle.reqPerSec.toFixed(0)} req/s, p50 ${idle.latency.p50.toFixed(2)} ms`,
    }),
    figure(BENCH, 'me_overload_p99_ms', meBusyP99, 'ms', {
      note:
        `same load while ${FLOOD_CONNECTIONS} connections send bogus logins (random emails, wrong ` +
        `password), ${seconds} s: ${busy.reqPerSec.toFixed(0)} req/s, p50 ${busy.latency.p50.toFixed(1)} ms, ` +
        `${busy.errors} socket errors; me responses ${describeBuckets(busy.buckets)}`,
    }),
    figure(BENCH, 'me_overload_vs_idle_p99', meBusyP99 / meIdleP99, 'x', { max: 2, decimals: 1 }),
    figure(BENCH, 'overflow_rate_limited_p99_ms', limited?.p99 ?? Number.NaN, 'ms', {
      max: 5,
      note:
        `autocannon, ${FLOOD_CONNECTIONS} connections of bogus logins; each response's latency is ` +
        "bucketed by its body (the request's onResponse sees the body just before autocannon " +
        "reports that response's latency, synchronously); p99 over the responses whose error code " +
        `is RATE_LIMITED (${limited?.count ?? 0}, p50 ${limited?.p50.toFixed(1) ?? '-'} ms). ` +
        'Closed loop: with 500 connections a response waits behind the others in the server, so ' +
        `this is mostly queueing (Little: 500 / ${flood.completedPerSec.toFixed(0)} responses/s). ${lockNote}`,
    }),
    figure(
      BENCH,
      'overflow_rate_limited_share',
      ((limited?.count ?? 0) / Math.max(1, flood.total)) * 100,
      '%',
      {
        decimals: 1,
        note:
          `${flood.total} bogus-login responses in ${flood.seconds.toFixed(1)} s ` +
          `(${flood.completedPerSec.toFixed(0)}/s): ${describeCounts(floodReasons)}; ` +
          `${flood.errors} socket errors (${flood.timeouts} timeouts), ${flood.non2xx} non-2xx`,
      },
    ),
  ];
}
