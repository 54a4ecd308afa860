import { readFileSync } from 'node:fs';
import { CustomersService } from '../src/modules/customers/customers.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { UsersService } from '../src/modules/identity/services/users.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { LoadResult, runLoad } from './lib/load';
import {
  ChildServer,
  graphqlPost,
  loginForToken,
  pinDatabaseServer,
  pinThisProcess,
  startChildServer,
} from './lib/server';
import { runConcurrent } from './lib/timing';

const BENCH = 'graphql';
const CUSTOMERS = 2_000;
const INSERT_BATCH = 500;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const PASSWORD = 'A long enough pass phrase 42';
const SERVER_CPU = 1;
const LOADGEN_CPU = 0;

const SECURED_QUERY = '{ customers(first: 20) { items { id email phone lastName state } } }';
const BARE_QUERY = '{ customers(first: 20) { id email phone lastName state } }';

interface Measured {
  load: LoadResult;
  graphqlErrors: number;
  /** Statements the database received during the measured run, per response. */
  sqlPerRequest: number;
  /** The server's CPU time (user + system, all threads) during the measured run, per response. */
  cpuUsPerResponse: number;
}

/** USER_HZ: the unit of /proc/<pid>/stat's times (100 on Linux everywhere that matters). */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU time a process has used so far, in microseconds, from /proc/<pid>/stat (utime + stime).
 * Throughput on a shared machine moves with whatever else runs; CPU per response much less.
 */
function cpuUsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_S;
}

/** MariaDB's count of statements received from all clients since it started. */
async function questions(ctx: BenchContext): Promise<number> {
  const rows = await ctx.dataSource.query<{ Value: string }[]>(
    "SHOW GLOBAL STATUS LIKE 'Questions'",
  );
  return Number(rows[0]?.Value ?? Number.NaN);
}

/**
 * The GraphQL read path over HTTP: a page of 20 customers read by a viewer through the real app
 * (JWT, session check, CASL, masking, audit capture) against a bare Nest + Apollo + TypeORM app
 * reading the same rows, each in a child process pinned to one core, driven by autocannon.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  await seed(ctx);
  const seconds = ctx.scale === 'full' ? 30 : 10;
  const childEnv = { ...ctx.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  const unpin = pinThisProcess(LOADGEN_CPU, ctx.log);
  const unpinDatabase = await pinDatabaseServer(ctx.dataSource, LOADGEN_CPU, ctx.log);
  let secured: Measured;
  let bare: Measured;
  let bareFastify: Measured;
  try {
    secured = await withServer(ctx, 'src/main.ts', childEnv, async (server) => {
      const token = await loginForToken(
        server.url,
        'graphql.viewer@bench.callwarden.test',
        PASSWORD,
      );
      const check = await graphqlPost<{ customers: { items: { email: string | null }[] } }>(
        server.url,
        SECURED_QUERY,
        {},
        token,
      );
      const items = check.data?.customers.items ?? [];
      if (items.length !== 20 || !items.every((c) => c.email?.includes('*'))) {
        throw new Error(`secured query gave ${JSON.stringify(check).slice(0, 500)}`);
      }
      return measure(ctx, 'secured', server, SECURED_QUERY, seconds, token);
    });
    bare = await withServer(ctx, 'bench/bare/main.ts', childEnv, async (server) => {
      const check = await graphqlPost<{ customers: unknown[] }>(server.url, BARE_QUERY);
      if (check.data?.customers.length !== 20) {
        throw new Error(`bare query gave ${JSON.stringify(check).slice(0, 500)}`);
      }
      return measure(ctx, 'bare', server, BARE_QUERY, seconds);
    });
    bareFastify = await withServer(
      ctx,
      'bench/bare/main.ts',
      { ...childEnv, BARE_ADAPTER: 'fastify' },
      async (server) => {
        const check = await graphqlPost<{ customers: unknown[] }>(server.url, BARE_QUERY);
        if (check.data?.customers.length !== 20) {
          throw new Error(`bare (fastify) query gave ${JSON.stringify(check).slice(0, 500)}`);
        }
        return measure(ctx, 'bare-fastify', server, BARE_QUERY, seconds);
      },
    );
  } finally {
    unpin();
    unpinDatabase();
  }

  const s = secured.load;
  const b = bare.load;
  const f = bareFastify.load;
  const setup =
    `${CONNECTIONS} connections, pipelining 1, ${seconds} s after a ${WARMUP_SECONDS} s warm-up; ` +
    `server pinned to core ${SERVER_CPU}, autocannon to core ${LOADGEN_CPU}; the app runs on Fastify`;
  const errorsNote = (m: Measured) =>
    `${m.load.total} responses, ${m.graphqlErrors} with GraphQL errors, ` +
    `${m.load.errors} socket errors (${m.load.timeouts} timeouts)`;
  return [
    figure(BENCH, 'secured_req_per_s', s.reqPerSec, 'req/s', {
      min: 2_000,
      note: `viewer token, customers(first: 20) { items { id email phone lastName state } }; ${setup}`,
    }),
    figure(BENCH, 'secured_p50_ms', s.latency.p50, 'ms'),
    figure(BENCH, 'secured_p99_ms', s.latency.p99, 'ms'),
    figure(BENCH, 'secured_non2xx', s.non2xx, 'responses', { note: errorsNote(secured) }),
    figure(BENCH, 'bare_req_per_s', b.reqPerSec, 'req/s', {
      note:
        'bench/bare on Express: Nest + Apollo + TypeORM, repository.find(take 20) returning the ' +
        'masked columns; no guard, session, CASL, masking, audit, armor, helmet or request store',
    }),
    figure(BENCH, 'bare_p50_ms', b.latency.p50, 'ms'),
    figure(BENCH, 'bare_p99_ms', b.latency.p99, 'ms'),
    figure(BENCH, 'bare_non2xx', b.non2xx, 'responses', { note: errorsNote(bare) }),
    figure(BENCH, 'bare_fastify_req_per_s', f.reqPerSec, 'req/s', {
      note: 'the same bare module on Fastify (the adapter the app runs on): the ratios use this one',
    }),
    figure(BENCH, 'bare_fastify_p50_ms', f.latency.p50, 'ms'),
    figure(BENCH, 'bare_fastify_non2xx', f.non2xx, 'responses', { note: errorsNote(bareFastify) }),
    figure(BENCH, 'bare_fastify_vs_express', f.reqPerSec / b.reqPerSec, 'x', { decimals: 3 }),
    figure(BENCH, 'secured_sql_per_request', secured.sqlPerRequest, 'statements', {
      note: "MariaDB 'Questions' delta over the measured run / responses (all clients)",
    }),
    figure(BENCH, 'bare_sql_per_request', bare.sqlPerRequest, 'statements'),
    figure(BENCH, 'secured_server_cpu_us', secured.cpuUsPerResponse, 'µs', {
      decimals: 0,
      note:
        "the server process's CPU time (user + system, /proc) over the measured run / responses: " +
        'steadier than req/s when other work shares the machine',
    }),
    figure(BENCH, 'bare_fastify_server_cpu_us', bareFastify.cpuUsPerResponse, 'µs', {
      decimals: 0,
    }),
    figure(BENCH, 'secured_vs_bare_throughput', s.reqPerSec / f.reqPerSec, 'x', {
      min: 0.75,
      decimals: 3,
    }),
    figure(BENCH, 'secured_vs_bare_p50', s.latency.p50 / f.latency.p50, 'x', {
      max: 1.25,
      decimals: 3,
      note: 'latencies are every response, measured by the load generator (ms, not rounded)',
    }),
  ];
}

/** 2,000 customers in NY with email, phone and last name; an admin and a viewer. */
async function seed(ctx: BenchContext): Promise<void> {
  const customers = ctx.app.get(CustomersService);
  const users = ctx.app.get(UsersService);
  ctx.log(`graphql: inserting ${CUSTOMERS} customers`);
  const built = new Array<CustomerEntity>(CUSTOMERS);
  await runConcurrent(8, CUSTOMERS, async (n) => {
    built[n] = await customers.build({
      externalRef: `graphql-${n.toString().padStart(6, '0')}`,
      lastName: `Lastname${n}`,
      email: `graphql.customer.${n}@bench.callwarden.test`,
      phone: `+1212555${(1000 + (n % 9000)).toString()}`,
      state: 'NY',
      zip: '10001',
    });
  });
  // Encrypted values are only written inside a transaction (the key's state is locked for it).
  await ctx.dataSource.transaction(async (m) => {
    const repo = m.getRepository(CustomerEntity);
    for (let i = 0; i < built.length; i += INSERT_BATCH) {
      await repo.insert(built.slice(i, i + INSERT_BATCH));
    }
  });
  ctx.log('graphql: creating an admin and a viewer');
  await ctx.dataSource.transaction(async (m) => {
    await users.create(
      {
        email: 'graphql.admin@bench.callwarden.test',
        displayName: 'Bench Admin',
        role: 'admin',
        password: PASSWORD,
      },
      m,
    );
    await users.create(
      {
        email: 'graphql.viewer@bench.callwarden.test',
        displayName: 'Bench Viewer',
        role: 'viewer',
        password: PASSWORD,
      },
      m,
    );
  });
}

async function withServer<T>(
  ctx: BenchContext,
  entry: string,
  env: Record<string, string | undefined>,
  use: (server: ChildServer) => Promise<T>,
): Promise<T> {
  const server = await startChildServer({ entry, env, cpu: SERVER_CPU, log: ctx.log });
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

async function measure(
  ctx: BenchContext,
  label: string,
  server: ChildServer,
  query: string,
  seconds: number,
  token?: string,
): Promise<Measured> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const body = JSON.stringify({ query });
  const classify = (_status: number, text: string) =>
    text.includes('"errors"') ? 'graphql_error' : 'ok';
  const options = {
    url: server.url,
    path: '/graphql',
    headers,
    body,
    connections: CONNECTIONS,
    classify,
  };
  ctx.log(`graphql: ${label}: warm-up ${WARMUP_SECONDS} s`);
  await runLoad({ ...options, durationSeconds: WARMUP_SECONDS });
  ctx.log(`graphql: ${label}: ${seconds} s, ${CONNECTIONS} connections`);
  const before = await questions(ctx);
  const cpuBefore = cpuUsOf(server.pid);
  const load = await runLoad({ ...options, durationSeconds: seconds });
  const cpuUsPerResponse = (cpuUsOf(server.pid) - cpuBefore) / Math.max(1, load.total);
  // The SHOW itself and the in-process app's timers add a handful: noise against thousands.
  const sqlPerRequest = ((await questions(ctx)) - before) / Math.max(1, load.total);
  const graphqlErrors = load.buckets.get('graphql_error')?.count ?? 0;
  ctx.log(
    `graphql: ${label}: ${load.reqPerSec.toFixed(0)} req/s, p50 ${load.latency.p50.toFixed(1)} ms, ` +
      `p99 ${load.latency.p99.toFixed(1)} ms, ${cpuUsPerResponse.toFixed(0)} µs server CPU per response, ` +
      `${graphqlErrors} GraphQL errors, ${load.non2xx} non-2xx`,
  );
  return { load, graphqlErrors, sqlPerRequest, cpuUsPerResponse };
}
