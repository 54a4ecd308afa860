import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';

const ROOT = resolve(__dirname, '..', '..');

/** A server under test, running as a child process. */
export interface ChildServer {
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop: () => Promise<void>;
}

export interface ChildServerOptions {
  /** Entry file, relative to the repository root (run with -r @swc-node/register). */
  entry: string;
  /** Added to process.env (undefined removes a variable). */
  env: Record<string, string | undefined>;
  /** Core the child is pinned to with taskset (all its threads: libuv's pool too). */
  cpu: number;
  /** Path that answers 200 once the server is ready. */
  readyPath?: string;
  log: (message: string) => void;
}

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `taskset -c <cpu> node -r @swc-node/register <entry>` with cwd at the repository root,
 * and waits (up to 60 s) until GET readyPath answers 200.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries({ ...options.env, PORT: String(port), HOST: '127.0.0.1' })) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // Debugging: BENCH_SERVER_LOG=<file> appends the server's log (level BENCH_SERVER_LOG_LEVEL,
  // default warn) to that file instead of silencing it.
  const logFile = process.env.BENCH_SERVER_LOG;
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  if (logFile) env.LOG_LEVEL = process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn';
  options.log(`starting ${options.entry} on core ${options.cpu}, port ${port}`);
  // Profiling: BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server into <dir> on exit.
  const profileDir = process.env.BENCH_CPU_PROF;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    'taskset',
    [
      '-c',
      String(options.cpu),
      process.execPath,
      ...profiling,
      '-r',
      '@swc-node/register',
      options.entry,
    ],
    { cwd: ROOT, env, stdio: ['ignore', out, 'pipe'] },
  );
  if (typeof out === 'number') closeSync(out);
  // Keep the tail of stderr for the error message should the server die.
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // An object, so that TypeScript does not narrow what the exit callback sets to `null`.
  const status: { exited: string | null } = { exited: null };
  child.once('exit', (code, signal) => {
    status.exited = `exited with ${code ?? signal}`;
  });

  const stop = () => stopChild(child);
  const deadline = Date.now() + 60_000;
  const readyUrl = `${url}${options.readyPath ?? '/health/live'}`;
  for (;;) {
    if (status.exited) throw new Error(`${options.entry} ${status.exited}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.entry} did not answer ${readyUrl} within 60 s: ${stderr.trim()}`);
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (child.pid === undefined) throw new Error('child has no pid');
  return { url, pid: child.pid, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exit;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pins every thread of this process to `cpu` (best effort: taskset may be missing or refused) and
 * returns a function that restores the previous affinity.
 */
export function pinThisProcess(cpu: number, log: (message: string) => void): () => void {
  return pinProcess(process.pid, cpu, 'load generator', log);
}

/**
 * Pins the MariaDB server (its pid from its pid file) to `cpu` beside the load generators, so that
 * nothing but the server under test runs on its core; returns a function that restores it.
 */
export async function pinDatabaseServer(
  dataSource: DataSource,
  cpu: number,
  log: (message: string) => void,
): Promise<() => void> {
  const rows = await dataSource.query<{ file: string }[]>('SELECT @@pid_file AS file');
  const pid = Number(readFileSync(rows[0].file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    log('could not read the database server pid; it runs unpinned');
    return () => undefined;
  }
  return pinProcess(pid, cpu, 'database server', log);
}

function pinProcess(
  pid: number,
  cpu: number,
  label: string,
  log: (message: string) => void,
): () => void {
  let previous: string | null = null;
  try {
    const out = execFileSync('taskset', ['-cp', String(pid)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    previous = /:\s*(\S+)\s*$/.exec(out.toString())?.[1] ?? null;
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    log(`${label} pinned to core ${cpu} (was ${previous ?? 'unknown'})`);
  } catch {
    log(`could not pin the ${label} to core ${cpu}; it runs unpinned`);
    return () => undefined;
  }
  return () => {
    if (!previous) return;
    try {
      execFileSync('taskset', ['-a', '-cp', previous, String(pid)], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  };
}

/** POST /graphql with a JSON body; returns the parsed response. */
export async function graphqlPost<T>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: T;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  return body;
}

/** Signs a user in over HTTP and returns the access token (fails loudly on anything else). */
export async function loginForToken(
  baseUrl: string,
  email: string,
  password: string,
): Promise<string> {
  const body = await graphqlPost<{ login: { __typename: string; accessToken?: string } }>(
    baseUrl,
    `mutation Login($input: LoginInput!) {
      login(input: $input) { __typename ... on AuthTokens { accessToken } }
    }`,
    { input: { email, password, returnRefreshToken: true } },
  );
  const login = body.data?.login;
  if (login?.__typename !== 'AuthTokens' || !login.accessToken) {
    throw new Error(
      `login of ${email} gave ${login?.__typename ?? JSON.stringify(body.errors ?? body)}`,
    );
  }
  return login.accessToken;
}
