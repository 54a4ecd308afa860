import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PreparedEntry } from '../src/modules/audit/audit.types';
import { ActorType, AuditResult } from '../src/modules/audit/entities/audit-event.entity';
import { AuditChainService } from '../src/modules/audit/services/audit-chain.service';
import { UsersService } from '../src/modules/identity/services/users.service';
import { IncidentSource } from '../src/modules/incidents/entities/incident.entity';
import { IncidentSeverity, IncidentType } from '../src/modules/incidents/incident-workflow';
import { ContainmentService } from '../src/modules/incidents/services/containment.service';
import { DetectionService } from '../src/modules/incidents/services/detection.service';
import { IncidentsService } from '../src/modules/incidents/services/incidents.service';
import { SecurityMetricsService } from '../src/modules/incidents/services/security-metrics.service';
import { prng } from './lib/prng';
import { BenchContext, Figure, figure } from './lib/figures';
import { LoadResult, runLoad } from './lib/load';
import { loginForToken, pinThisProcess, startChildServer } from './lib/server';
import { msSince, nowNs, percentile } from './lib/timing';

const BENCH = 'incidents';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * The evaluated instant: fixed (never the clock), so every run reads the same period. The seeded
 * audit events fill the 30 days before it; everything the bench itself does at run time (users,
 * sign-ins, incidents detection opens) happens after it and stays out of the counted periods.
 */
const AT = new Date('2025-11-01T00:00:00.000Z');
const PERIOD_START = new Date(AT.getTime() - 30 * DAY);
const PERIODS = [
  { name: '24h', from: new Date(AT.getTime() - DAY), to: AT },
  { name: '30d', from: PERIOD_START, to: AT },
] as const;
const METRICS_TARGET_MS = 50;
const METRICS_WARMUP = 30;
const METRICS_CALLS = 300;
const SEED_BATCH = 1000;
const SEEDED_INCIDENTS = 300;

const SERVER_CPU = 1;
const LOADGEN_CPU = 0;
/** PASSWORD_HASH_CONCURRENCY: latency is a sign-in's own time, not time queued behind others. */
const SIGNIN_CONNECTIONS = 2;
const PASSWORD = 'A long enough pass phrase 42';
const WRONG_PASSWORD = 'not the right pass phrase';
/** As in the login bench: every request comes from 127.0.0.1 (the validator's caps). */
const LOCKOUT_ENV = {
  LOGIN_MAX_FAILURES: '1000',
  LOGIN_ACCOUNT_MAX_FAILURES: '10000',
  LOGIN_IP_MAX_ACCOUNTS: '100000',
};
const LOGIN_QUERY =
  'mutation Login($input: LoginInput!) { login(input: $input) { __typename ... on AuthTokens { accessToken } } }';

function hex(label: string, n: number, length = 32): string {
  return createHash('sha256').update(`${label}:${n}`).digest('hex').slice(0, length);
}

function uuidOf(label: string, n: number): string {
  const h = hex(label, n);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const AGENTS = 300;
const ACCOUNTS = 5_000;
const ADDRESSES = 2_000;
const API_KEYS = 50;
const agentId = (n: number) => uuidOf('agent', n);
const addressOf = (n: number) => `10.${(n >> 8) & 255}.${n & 255}.${1 + (n % 200)}`;
const FORBIDDEN_ON = ['customer.updated', 'report.exported', 'campaign.launched', 'user.updated'];
const OTHER_ACTIONS = ['call.completed', 'call.recording_started', 'task.completed'];

/** What the metrics must count in a period, tallied while the events are generated. */
interface Tally {
  signInsOk: number;
  signInsFailed: number;
  lockouts: number;
  authzDenied: number;
}

function emptyTally(): Tally {
  return { signInsOk: 0, signInsFailed: 0, lockouts: 0, authzDenied: 0 };
}

/** Burst starts (as fractions of the log) that detection must turn into incidents. */
const BRUTE_FORCE_BURSTS = [0.13, 0.38, 0.61, 0.87];
const STUFFING_BURSTS = [0.27, 0.74];
const BRUTE_FORCE_BURST_LENGTH = 25; // threshold 20 in 15 minutes
const STUFFING_BURST_LENGTH = 15; // threshold 10 distinct accounts in 15 minutes

/**
 * The seeded audit log: `total` events spread evenly over the 30 days before AT, in seq order.
 * Mix: ~45% successful sign-ins (8% of them the password step of an MFA sign-in, which is not a
 * sign-in yet), ~15% failed ones (wrong password, locked, wrong MFA code), and the rest what a
 * contact center's day writes: customer views and field reveals, calls, tasks, API-key traffic
 * (some over budget), refused authorizations, exports, logouts, a daily chain verification.
 * No action of the SIEM's critical list (those would also fill the SIEM outbox).
 */
class AuditLogGenerator {
  private readonly rnd = prng(0x1ce1de);
  private readonly stepMs: number;
  private readonly bursts = new Map<number, { kind: 'brute' | 'stuffing'; k: number }>();
  readonly tallies = PERIODS.map(() => emptyTally());

  constructor(readonly total: number) {
    this.stepMs = (30 * DAY) / total;
    BRUTE_FORCE_BURSTS.forEach((f, k) => {
      const start = Math.floor(f * total);
      for (let i = 0; i < BRUTE_FORCE_BURST_LENGTH; i++)
        this.bursts.set(start + i, { kind: 'brute', k });
    });
    STUFFING_BURSTS.forEach((f, k) => {
      const start = Math.floor(f * total);
      for (let i = 0; i < STUFFING_BURST_LENGTH; i++)
        this.bursts.set(start + i, { kind: 'stuffing', k: k * 100 + i });
    });
  }

  entry(i: number): PreparedEntry {
    const r = this.rnd();
    const occurredAt = new Date(
      PERIOD_START.getTime() + Math.floor(i * this.stepMs + this.rnd() * this.stepMs * 0.9),
    );
    const agent = Math.floor(this.rnd() * AGENTS);
    const ip = addressOf(Math.floor(this.rnd() * ADDRESSES));
    const base: PreparedEntry = {
      occurredAt,
      actorType: ActorType.User,
      actorId: agentId(agent),
      actorRole: 'agent',
      action: 'customer.viewed',
      resourceType: 'Customer',
      resourceId: uuidOf('customer', Math.floor(this.rnd() * 200_000)),
      result: AuditResult.Success,
      errorCode: null,
      ip,
      userAgent: 'Mozilla/5.0 (bench)',
      requestId: hex('request', i, 16),
      durationMs: 3 + Math.floor(this.rnd() * 40),
      changes: null,
    };
    const burst = this.bursts.get(i);
    let e: PreparedEntry;
    if (burst) {
      // Unknown accounts (no resource id): the incidents open, their user actions have no target.
      e = {
        ...base,
        actorType: ActorType.Anonymous,
        actorId: null,
        actorRole: null,
        action: 'auth.login',
        resourceType: 'User',
        resourceId: null,
        result: AuditResult.Failure,
        errorCode: 'INVALID_CREDENTIALS',
        ip: burst.kind === 'brute' ? addressOf(ADDRESSES + burst.k) : addressOf(ADDRESSES + 50),
        changes: { accountHash: hex(`burst-${burst.kind}`, burst.k) },
      };
    } else if (r < 0.45) {
      e = {
        ...base,
        action: 'auth.login',
        resourceType: 'User',
        resourceId: base.actorId,
        changes: this.rnd() < 0.08 ? { next: 'mfa' } : null,
      };
    } else if (r < 0.6) {
      const f = this.rnd();
      const errorCode =
        f < 0.85 ? 'INVALID_CREDENTIALS' : f < 0.95 ? 'TOO_MANY_ATTEMPTS' : 'INVALID_MFA_CODE';
      e = {
        ...base,
        actorType: ActorType.Anonymous,
        actorId: null,
        actorRole: null,
        action: 'auth.login',
        resourceType: 'User',
        resourceId: errorCode === 'INVALID_MFA_CODE' ? base.actorId : null,
        result: AuditResult.Failure,
        errorCode,
        changes:
          errorCode === 'INVALID_MFA_CODE'
            ? null
            : { accountHash: hex('account', Math.floor(this.rnd() * ACCOUNTS)) },
      };
    } else if (r < 0.72) {
      e = base;
    } else if (r < 0.8) {
      e = { ...base, action: 'customer.field_revealed', changes: { field: 'phone' } };
    } else if (r < 0.86) {
      e = { ...base, action: OTHER_ACTIONS[Math.floor(this.rnd() * OTHER_ACTIONS.length)] };
    } else if (r < 0.9) {
      e = {
        ...base,
        action: 'campaign.updated',
        resourceType: 'Campaign',
        changes: { before: { status: 'draft' }, after: { status: 'active' } },
      };
    } else if (r < 0.93) {
      e = {
        ...base,
        action: FORBIDDEN_ON[Math.floor(this.rnd() * FORBIDDEN_ON.length)],
        result: AuditResult.Failure,
        errorCode: 'FORBIDDEN',
      };
    } else if (r < 0.95) {
      e = { ...base, action: 'report.exported', resourceType: 'Report', changes: { rows: 120 } };
    } else if (r < 0.98) {
      const limited = this.rnd() < 0.05;
      e = {
        ...base,
        actorType: ActorType.ApiKey,
        actorId: uuidOf('api-key', Math.floor(this.rnd() * API_KEYS)),
        actorRole: null,
        action: 'sms.sent',
        resourceType: 'Message',
        result: limited ? AuditResult.Failure : AuditResult.Success,
        errorCode: limited ? 'RATE_LIMITED' : null,
      };
    } else {
      e = { ...base, action: this.rnd() < 0.5 ? 'auth.logout' : 'auth.token_refreshed' };
    }
    // One chain verification a day (the metrics show the last one).
    if (!burst && Math.floor((i * this.stepMs) / DAY) !== Math.floor(((i + 1) * this.stepMs) / DAY))
      e = {
        ...base,
        actorType: ActorType.System,
        actorId: 'audit',
        actorRole: null,
        action: 'audit.verified',
        resourceType: 'AuditLog',
        resourceId: null,
        changes: { checked: i },
      };
    this.count(e);
    return e;
  }

  /** The same classification as detection/rollups.ts, kept apart so a drift shows as a mismatch. */
  private count(e: PreparedEntry): void {
    PERIODS.forEach((p, k) => {
      if (e.occurredAt < p.from || e.occurredAt >= p.to) return;
      const t = this.tallies[k];
      if (e.action === 'auth.login' && e.result === AuditResult.Success) {
        if (e.changes?.next !== 'mfa') t.signInsOk++;
      } else if (e.action === 'auth.login') {
        t.signInsFailed++;
        if (e.errorCode === 'TOO_MANY_ATTEMPTS') t.lockouts++;
      }
      if (e.result === AuditResult.Failure && e.errorCode === 'FORBIDDEN') t.authzDenied++;
    });
  }
}

/** Appends the generated log through the chain's batch path (one lock, one INSERT per batch). */
async function seedAuditLog(
  ctx: BenchContext,
  gen: AuditLogGenerator,
): Promise<{ ms: number; first: string; last: string }> {
  const chain = ctx.app.get(AuditChainService);
  const start = nowNs();
  let first = '';
  let last = '';
  for (let i = 0; i < gen.total; i += SEED_BATCH) {
    const entries: PreparedEntry[] = [];
    for (let j = i; j < Math.min(gen.total, i + SEED_BATCH); j++) entries.push(gen.entry(j));
    const receipts = await ctx.dataSource.transaction((m) => chain.append(m, entries));
    first ||= receipts[0].seq;
    last = receipts[receipts.length - 1].seq;
    if ((i / SEED_BATCH) % 100 === 99)
      ctx.log(
        `incidents: ${i + SEED_BATCH} audit events (${(msSince(start) / 1000).toFixed(0)} s)`,
      );
  }
  return { ms: msSince(start), first, last };
}

/**
 * Incidents in the period (what the incident counts and mean times read): opened through the
 * service with their detection time in the period, some acknowledged and resolved later.
 */
async function seedIncidents(ctx: BenchContext): Promise<number[]> {
  const incidents = ctx.app.get(IncidentsService);
  const rnd = prng(0x5eed);
  const severities = [IncidentSeverity.Low, IncidentSeverity.Medium, IncidentSeverity.High];
  const types = [IncidentType.BruteForce, IncidentType.UnauthorizedAccess, IncidentType.Other];
  const inPeriod = PERIODS.map(() => 0);
  for (let n = 0; n < SEEDED_INCIDENTS; n++) {
    const detectedAt = new Date(
      PERIOD_START.getTime() + Math.floor(((n + rnd()) / SEEDED_INCIDENTS) * 30 * DAY),
    );
    PERIODS.forEach((p, k) => {
      if (detectedAt >= p.from && detectedAt < p.to) inPeriod[k]++;
    });
    await ctx.dataSource.transaction(async (m) => {
      const incident = await incidents.open(
        m,
        {
          type: types[n % types.length],
          severity: severities[n % severities.length],
          title: `Bench incident ${n}`,
          description: 'Seeded by the incidents bench.',
          source: IncidentSource.Manual,
          firstEventAt: new Date(detectedAt.getTime() - Math.floor(rnd() * HOUR)),
          detectedAt,
        },
        { type: ActorType.System, id: 'bench' },
      );
      if (!incident || n % 3 === 0) return;
      const ack = new Date(detectedAt.getTime() + Math.floor(rnd() * HOUR));
      const resolved = n % 3 === 1 ? new Date(ack.getTime() + Math.floor(rnd() * 6 * HOUR)) : null;
      await m.query(
        'UPDATE incidents SET status = ?, acknowledged_at = ?, resolved_at = ? WHERE id = ?',
        [resolved ? 'resolved' : 'investigating', ack, resolved, incident.id],
      );
    });
  }
  return inPeriod;
}

async function cursorOf(ds: DataSource): Promise<bigint> {
  const [row] = await ds.query<{ last_seq: string }[]>(
    'SELECT last_seq FROM detection_cursor WHERE id = 1',
  );
  return BigInt(row.last_seq);
}

async function headOf(ds: DataSource): Promise<bigint> {
  const [row] = await ds.query<{ head: string | null }[]>(
    'SELECT MAX(seq) AS head FROM audit_events',
  );
  return BigInt(row.head ?? 0);
}

/** processBatch until nothing is left; returns how many events were read. */
async function drainDetection(detection: DetectionService): Promise<number> {
  let read = 0;
  for (;;) {
    const n = await detection.processBatch();
    if (n === 0) return read;
    read += n;
  }
}

interface PlanRow {
  id: number | null;
  table: string | null;
  type: string | null;
  key: string | null;
  rows: number | string | null;
  Extra: string | null;
}

/**
 * The statements one metrics() call sends, captured at the DataSource (so the plans are those of
 * the service's own SQL, not of a copy), each EXPLAINed with its parameters.
 */
async function explainMetrics(
  ds: DataSource,
  call: () => Promise<unknown>,
): Promise<{ sql: string; plan: PlanRow[] }[]> {
  const captured: { sql: string; params?: Parameters<DataSource['query']>[1] }[] = [];
  const original = ds.query.bind(ds);
  const capture: DataSource['query'] = (sql, params, runner) => {
    captured.push({ sql, params });
    return original(sql, params, runner);
  };
  Object.defineProperty(ds, 'query', { value: capture, configurable: true, writable: true });
  try {
    await call();
  } finally {
    delete (ds as { query?: unknown }).query;
  }
  const out: { sql: string; plan: PlanRow[] }[] = [];
  for (const { sql, params } of captured) {
    if (!/^\s*SELECT/i.test(sql)) continue;
    out.push({ sql, plan: await ds.query<PlanRow[]>(`EXPLAIN ${sql}`, params) });
  }
  return out;
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

function describePlan(plan: PlanRow[]): string {
  return plan
    .map(
      (r) =>
        `${r.table ?? '-'}:${r.type ?? '-'}${r.key ? `(${r.key})` : ''} rows=${r.rows ?? '-'}` +
        (r.Extra ? ` [${r.Extra}]` : ''),
    )
    .join('; ');
}

/**
 * A full scan of the audit log: type ALL, or an `index` walk of a whole index (the PRIMARY walked
 * backwards for an ORDER BY ... LIMIT whose rows may never come is a full scan too).
 */
function scansAuditLog(plan: PlanRow[]): boolean {
  return plan.some((r) => r.table === 'audit_events' && (r.type === 'ALL' || r.type === 'index'));
}

function summarize(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  const p50 = percentile(samples, 50);
  return {
    p50,
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: samples[samples.length - 1],
  };
}

function loginClassifier(counts: Map<string, number>) {
  return (_status: number, body: string): string => {
    // A refused sign-in is UNAUTHENTICATED with the reason (INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS).
    const key = body.includes('"accessToken"')
      ? 'ok'
      : (/"reason":"([A-Z_]+)"/.exec(body)?.[1] ??
        /"code":"([A-Z_]+)"/.exec(body)?.[1] ??
        'unknown');
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return key;
  };
}

function describeCounts(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

interface SignInRun {
  mode: 'off' | 'on';
  load: LoadResult;
  counts: Map<string, number>;
  /** Detection cursor and audit head around the measured load. */
  cursorBefore: bigint;
  headBefore: bigint;
  headAfter: bigint;
  /** The cursor once the child caught up (on), or right after the load (off). */
  cursorAfter: bigint;
  caughtUpMs: number | null;
  bruteForceIncidents: number;
}

/**
 * Sign-ins over HTTP against the server in a child process pinned to one core, with detection off
 * or on (polling every 100 ms): half right-password sign-ins of a user without MFA, half wrong
 * passwords for another user (its own per run, so lockouts never carry over between runs).
 */
async function signInRun(
  ctx: BenchContext,
  mode: 'off' | 'on',
  seconds: number,
  emails: { ok: string; warmupFail: string; fail: string },
): Promise<SignInRun> {
  const ds = ctx.dataSource;
  const server = await startChildServer({
    entry: 'src/main.ts',
    env: {
      ...ctx.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...LOCKOUT_ENV,
      DETECTION: mode,
      DETECTION_INTERVAL_MS: '100',
    },
    cpu: SERVER_CPU,
    log: ctx.log,
  });
  const unpin = pinThisProcess(LOADGEN_CPU, ctx.log);
  try {
    await loginForToken(server.url, emails.ok, PASSWORD);
    const bodies = (failEmail: string) => {
      let n = 0;
      return () =>
        JSON.stringify({
          query: LOGIN_QUERY,
          variables: {
            input:
              n++ % 2 === 0
                ? { email: emails.ok, password: PASSWORD }
                : { email: failEmail, password: WRONG_PASSWORD },
          },
        });
    };
    const load = (failEmail: string, duration: number, counts: Map<string, number>) =>
      runLoad({
        url: server.url,
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: bodies(failEmail),
        connections: SIGNIN_CONNECTIONS,
        durationSeconds: duration,
        classify: loginClassifier(counts),
      });
    ctx.log(`incidents: sign-ins with detection ${mode}: warm-up 3 s`);
    await load(emails.warmupFail, 3, new Map());
    // Let the warm-up's events be read (on) so the measured run starts level.
    await new Promise((r) => setTimeout(r, 500));
    const cursorBefore = await cursorOf(ds);
    const headBefore = await headOf(ds);
    const started = new Date();
    ctx.log(
      `incidents: sign-ins with detection ${mode}: ${SIGNIN_CONNECTIONS} connections, ${seconds} s`,
    );
    const counts = new Map<string, number>();
    const result = await load(emails.fail, seconds, counts);
    const headAfter = await headOf(ds);
    let cursorAfter = await cursorOf(ds);
    let caughtUpMs: number | null = null;
    if (mode === 'on') {
      const t = nowNs();
      while (cursorAfter < headAfter && msSince(t) < 15_000) {
        await new Promise((r) => setTimeout(r, 50));
        cursorAfter = await cursorOf(ds);
      }
      if (cursorAfter >= headAfter) caughtUpMs = msSince(t);
    }
    const [incidents] = await ds.query<{ n: string }[]>(
      "SELECT COUNT(*) AS n FROM incidents WHERE rule_key = 'brute_force' AND detected_at >= ?",
      [started],
    );
    ctx.log(
      `incidents: detection ${mode}: ${describeCounts(counts)}; cursor ${cursorBefore} -> ${cursorAfter}, ` +
        `audit head ${headBefore} -> ${headAfter}; brute-force incidents opened ${incidents.n}`,
    );
    return {
      mode,
      load: result,
      counts,
      cursorBefore,
      headBefore,
      headAfter,
      cursorAfter,
      caughtUpMs,
      bruteForceIncidents: Number(incidents.n),
    };
  } finally {
    unpin();
    await server.stop();
  }
}

/**
 * The security dashboard at 100,000 (small) or 1,000,000 (full) audit events: the events are
 * appended through the audit chain's batch path over the 30 days before a fixed instant, detection
 * reads them all (processBatch, as its poller does: the rollups are the real ones), then
 * metrics(from, to, at) is timed for the last 24 hours and the 30 days, its counts checked against
 * what was seeded and its query plans checked for full scans of the audit log. Then sign-ins over
 * HTTP with detection off and on, side by side.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const ds = ctx.dataSource;
  const detection = ctx.app.get(DetectionService);
  const containment = ctx.app.get(ContainmentService);
  const total = ctx.scale === 'full' ? 1_000_000 : 100_000;
  const seconds = ctx.scale === 'full' ? 30 : 10;

  // The in-process app polls detection too (DETECTION defaults to on): stop its poller so this
  // bench decides when detection runs (its processBatch loop is timed; the off run must be off).
  await detection.onModuleDestroy();
  const before = await drainDetection(detection);
  if (before > 0) ctx.log(`incidents: detection caught up with ${before} earlier events first`);

  ctx.log(
    `incidents: seeding ${total} audit events over ${PERIOD_START.toISOString()} .. ${AT.toISOString()}`,
  );
  const gen = new AuditLogGenerator(total);
  const seeded = await seedAuditLog(ctx, gen);
  ctx.log(
    `incidents: seeded seq ${seeded.first}..${seeded.last} in ${(seeded.ms / 1000).toFixed(1)} s`,
  );
  const incidentsInPeriod = await seedIncidents(ctx);

  ctx.log('incidents: detection reads the seeded log (processBatch until it returns 0)');
  const detectStart = nowNs();
  const read = await drainDetection(detection);
  const detectMs = msSince(detectStart);
  const cursor = await cursorOf(ds);
  if (read < total || cursor < BigInt(seeded.last))
    throw new Error(`detection read ${read} events, cursor ${cursor}, seeded up to ${seeded.last}`);
  const [opened] = await ds.query<{ n: string }[]>(
    "SELECT COUNT(*) AS n FROM incidents WHERE source = 'detection'",
  );
  // Carry out what the bursts asked for now (blocks of 10.x addresses), not in the timed runs.
  while ((await containment.runPending()) > 0);
  const [rollupRows] = await ds.query<{ n: string }[]>(
    'SELECT COUNT(*) AS n FROM security_rollups',
  );
  ctx.log(
    `incidents: detection read ${read} events in ${(detectMs / 1000).toFixed(1)} s; ` +
      `${opened.n} incidents opened; ${rollupRows.n} rollup rows`,
  );

  return [
    ...(await measureMetrics(ctx, {
      gen,
      total,
      incidentsInPeriod,
      cursor,
      read,
      detectMs,
      opened: Number(opened.n),
      rollupRows: Number(rollupRows.n),
      seededMs: seeded.ms,
    })),
    ...(await measureSignIns(ctx, seconds)),
  ];
}

interface Seeded {
  gen: AuditLogGenerator;
  total: number;
  incidentsInPeriod: number[];
  cursor: bigint;
  read: number;
  detectMs: number;
  opened: number;
  rollupRows: number;
  seededMs: number;
}

async function measureMetrics(ctx: BenchContext, seeded: Seeded): Promise<Figure[]> {
  const ds = ctx.dataSource;
  const metrics = ctx.app.get(SecurityMetricsService);
  const { gen, total, incidentsInPeriod, cursor, read, detectMs } = seeded;
  // metrics(): counts first, then the plans, then the timings.
  const figures: Figure[] = [];
  const mismatches: string[] = [];
  const countNotes: string[] = [];
  for (const [k, p] of PERIODS.entries()) {
    const m = await metrics.metrics(p.from, p.to, AT);
    const want = gen.tallies[k];
    const got = {
      signInsOk: m.signInsOk,
      signInsFailed: m.signInsFailed,
      lockouts: m.lockouts,
      authzDenied: m.failedAuthorizations,
    };
    const incidents = m.incidentsBySeverity.reduce((t, c) => t + c.count, 0);
    for (const key of Object.keys(want) as (keyof Tally)[])
      if (got[key] !== want[key]) mismatches.push(`${p.name} ${key} ${got[key]} != ${want[key]}`);
    if (incidents !== incidentsInPeriod[k])
      mismatches.push(`${p.name} incidents ${incidents} != ${incidentsInPeriod[k]}`);
    if (want.signInsOk === 0 || want.signInsFailed === 0)
      mismatches.push(`${p.name} seeded nothing`);
    countNotes.push(
      `${p.name}: signInsOk ${got.signInsOk}, signInsFailed ${got.signInsFailed}, lockouts ` +
        `${got.lockouts}, failedAuthorizations ${got.authzDenied}, incidents ${incidents}, ` +
        `MTTR ${m.meanTimeToResolve?.toFixed(0) ?? '-'} s, last verified ${m.auditChain.lastVerifiedAt?.toISOString() ?? '-'}`,
    );
  }
  ctx.log(`incidents: metrics counts ${countNotes.join('; ')}`);
  if (mismatches.length > 0) ctx.log(`incidents: COUNT MISMATCH ${mismatches.join('; ')}`);
  figures.push(
    figure(BENCH, 'metrics_counts_match_seeded', mismatches.length === 0 ? 1 : 0, 'bool', {
      min: 1,
      note:
        (mismatches.length > 0 ? `MISMATCH ${mismatches.join('; ')}; ` : '') +
        `metrics(from, to, at=${AT.toISOString()}) against the seeded events: ${countNotes.join('; ')}`,
    }),
  );

  // Warm (the TDE status is cached for a minute of `at`, which is fixed) before capturing plans.
  for (let i = 0; i < METRICS_WARMUP; i++)
    for (const p of PERIODS) await metrics.metrics(p.from, p.to, AT);
  const plans = await explainMetrics(ds, () => metrics.metrics(PERIODS[1].from, PERIODS[1].to, AT));
  const detectionRead = await ds.query<PlanRow[]>(
    'EXPLAIN SELECT seq FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 500',
    [String(cursor - 1000n)],
  );
  plans.push({
    sql: 'detection batch read: audit_events WHERE seq > ? ORDER BY seq LIMIT 500',
    plan: detectionRead,
  });
  const fullScans = plans.filter((p) => scansAuditLog(p.plan));
  for (const p of plans)
    ctx.log(`incidents: plan ${oneLine(p.sql).slice(0, 110)} => ${describePlan(p.plan)}`);
  const auditPlans = plans.filter((p) => p.plan.some((r) => r.table === 'audit_events'));
  const rollupPlan = plans.find((p) => p.sql.includes('security_rollups'));
  figures.push(
    figure(BENCH, 'metrics_plans_without_audit_full_scan', fullScans.length === 0 ? 1 : 0, 'bool', {
      min: 1,
      note:
        `${plans.length} statements EXPLAINed (${plans.length - 1} of metrics(), captured at the ` +
        'DataSource, and the detection batch read); no audit_events access of type ALL or index. ' +
        (fullScans.length > 0
          ? `FULL SCAN: ${fullScans.map((p) => `${oneLine(p.sql).slice(0, 80)} => ${describePlan(p.plan)}`).join(' | ')}. `
          : '') +
        `rollups: ${rollupPlan ? describePlan(rollupPlan.plan) : 'not found'}; audit_events: ` +
        auditPlans
          .map((p) => `${oneLine(p.sql).slice(0, 60)}… => ${describePlan(p.plan)}`)
          .join(' | '),
    }),
  );

  for (const p of PERIODS) {
    ctx.log(`incidents: metrics ${p.name}, ${METRICS_CALLS} calls`);
    const samples: number[] = [];
    for (let i = 0; i < METRICS_CALLS; i++) {
      const t = nowNs();
      await metrics.metrics(p.from, p.to, AT);
      samples.push(msSince(t));
    }
    const s = summarize(samples);
    const what = `metrics(from, to, at) over ${p.name} ending ${AT.toISOString()}, ${total} audit events, ${seeded.rollupRows} rollup rows; ${METRICS_CALLS} sequential calls after ${METRICS_WARMUP} warm-up, in-process`;
    figures.push(
      figure(BENCH, `metrics_${p.name}_p50_ms`, s.p50, 'ms', { note: what }),
      figure(BENCH, `metrics_${p.name}_p95_ms`, s.p95, 'ms'),
      figure(BENCH, `metrics_${p.name}_p99_ms`, s.p99, 'ms', {
        max: METRICS_TARGET_MS,
        note: `max ${s.max.toFixed(1)} ms`,
      }),
    );
  }

  figures.push(
    figure(BENCH, 'seed_audit_events_per_s', (total / seeded.seededMs) * 1000, 'events/s', {
      note: `${total} events through AuditChainService.append in batches of ${SEED_BATCH} (valid chain); mix: ~45% sign-ins ok, ~15% failed, the rest views, reveals, calls, API traffic, refusals, exports`,
    }),
    figure(BENCH, 'detection_events_per_s', (read / detectMs) * 1000, 'events/s', {
      note:
        `DetectionService.processBatch() (500 per batch, every rule enabled) until it returns 0: ` +
        `${read} events in ${(detectMs / 1000).toFixed(1)} s, ${seeded.opened} incidents opened ` +
        `(${BRUTE_FORCE_BURSTS.length} brute-force and ${STUFFING_BURSTS.length} stuffing bursts seeded), ${seeded.rollupRows} rollup rows`,
    }),
  );

  return figures;
}

/**
 * Off and on in ABBA order (off, on, on, off), each in a fresh child server with its own failing
 * user: drift of a shared machine over the minutes the runs take (others' work, MariaDB's buffer
 * pool, the purge) weighs on both modes alike; each mode's figures are the means of its two runs.
 */
async function measureSignIns(ctx: BenchContext, seconds: number): Promise<Figure[]> {
  const ds = ctx.dataSource;
  const detection = ctx.app.get(DetectionService);
  const containment = ctx.app.get(ContainmentService);
  const users = ctx.app.get(UsersService);
  const email = (name: string) => `incidents.${name}@bench.callwarden.test`;
  const order = ['off', 'on', 'on', 'off'] as const;
  const names = ['ok', ...order.flatMap((_, k) => [`fail.${k}.warmup`, `fail.${k}`])];
  for (const name of names)
    await ds.transaction((m) =>
      users.create(
        {
          email: email(name),
          displayName: `Bench ${name}`,
          role: 'agent',
          teamId: 'bench',
          password: PASSWORD,
        },
        m,
      ),
    );
  const runs: SignInRun[] = [];
  for (const [k, mode] of order.entries()) {
    // Earlier runs' events are read here, so an on run's detector only has its own to read.
    await drainDetection(detection);
    while ((await containment.runPending()) > 0);
    runs.push(
      await signInRun(ctx, mode, seconds, {
        ok: email('ok'),
        warmupFail: email(`fail.${k}.warmup`),
        fail: email(`fail.${k}`),
      }),
    );
  }
  return signInFigures(
    runs.filter((r) => r.mode === 'off'),
    runs.filter((r) => r.mode === 'on'),
    seconds,
  );
}

function mean(values: number[]): number {
  return values.reduce((t, v) => t + v, 0) / values.length;
}

function signInFigures(offRuns: SignInRun[], onRuns: SignInRun[], seconds: number): Figure[] {
  const unexpected = (r: SignInRun) =>
    [...r.counts]
      .filter(([k]) => k !== 'ok' && k !== 'INVALID_CREDENTIALS')
      .reduce((t, [, v]) => t + v, 0);
  const describe = (r: SignInRun) =>
    `${r.load.total} responses in ${r.load.seconds} s (${describeCounts(r.counts)}), p50 ` +
    `${r.load.latency.p50.toFixed(1)} ms (ok ${r.load.buckets.get('ok')?.p50.toFixed(1) ?? '-'}, wrong password ` +
    `${r.load.buckets.get('INVALID_CREDENTIALS')?.p50.toFixed(1) ?? '-'}), p99 ${r.load.latency.p99.toFixed(1)} ms, ` +
    `${r.load.reqPerSec.toFixed(1)} req/s`;
  const stats = (runs: SignInRun[]) => ({
    p50: mean(runs.map((r) => r.load.latency.p50)),
    p99: mean(runs.map((r) => r.load.latency.p99)),
    reqPerSec: mean(runs.map((r) => r.load.reqPerSec)),
  });
  const off = stats(offRuns);
  const on = stats(onRuns);
  // Off must be off (the cursor stays), on must have read every sign-in of its run while it ran
  // (the cursor reached the audit head taken after the load) and acted on them (the wrong
  // passwords of its run crossed the brute-force threshold: an incident opened).
  const offQuiet = offRuns.every(
    (r) => r.cursorAfter === r.cursorBefore && r.headAfter > r.headBefore,
  );
  const onRan = onRuns.every(
    (r) =>
      r.cursorAfter > r.cursorBefore &&
      r.cursorAfter >= r.headAfter &&
      r.headAfter > r.headBefore &&
      r.bruteForceIncidents >= 1,
  );
  const diffP50 = on.p50 - off.p50;
  /*
   * "No measurable latency": the detector runs on its own timer in the same process (and its
   * queries on the same database), so any cost shows as a slower sign-in. A sign-in is one argon2id
   * verification (tens of ms on one core) and the machine is shared, so run-to-run noise is several
   * percent and milliseconds: the on runs fail only when their p50 is worse than the off runs' by
   * more than 15% AND by more than 2 ms (either alone is within noise: 15% of a few-ms request is
   * under a millisecond; 2 ms of a 100 ms one is 2%).
   */
  const tolerance = Math.max(0.15 * off.p50, 2);
  const pinned =
    `server pinned to core ${SERVER_CPU}, autocannon to core ${LOADGEN_CPU}, ${SIGNIN_CONNECTIONS} ` +
    `connections (PASSWORD_HASH_CONCURRENCY), ${seconds} s per run, runs in ABBA order (off, on, on, off), ` +
    'half right password (no MFA), half wrong password (another user per run)';
  const diff = figure(BENCH, 'signin_on_minus_off_p50_ms', diffP50, 'ms', {
    note:
      `mean p50 on ${on.p50.toFixed(1)} ms vs off ${off.p50.toFixed(1)} ms ` +
      `(${((diffP50 / off.p50) * 100).toFixed(1)}%); p99 on ${on.p99.toFixed(1)} vs off ` +
      `${off.p99.toFixed(1)} ms; req/s on ${on.reqPerSec.toFixed(1)} vs off ${off.reqPerSec.toFixed(1)}. ` +
      'Fails only if on is worse by more than 15% of off AND more than 2 ms (run-to-run noise)',
  });
  diff.target = `<= max(15% of off p50, 2 ms) = ${tolerance.toFixed(1)} ms`;
  diff.ok = diffP50 <= tolerance;
  return [
    figure(BENCH, 'signin_off_p50_ms', off.p50, 'ms', {
      note: `DETECTION=off, mean of 2 runs: ${offRuns.map(describe).join(' | ')}; ${pinned}`,
    }),
    figure(BENCH, 'signin_off_p99_ms', off.p99, 'ms'),
    figure(BENCH, 'signin_off_req_per_s', off.reqPerSec, 'req/s'),
    figure(BENCH, 'signin_on_p50_ms', on.p50, 'ms', {
      note: `DETECTION=on, DETECTION_INTERVAL_MS=100, mean of 2 runs: ${onRuns.map(describe).join(' | ')}`,
    }),
    figure(BENCH, 'signin_on_p99_ms', on.p99, 'ms'),
    figure(BENCH, 'signin_on_req_per_s', on.reqPerSec, 'req/s'),
    diff,
    figure(BENCH, 'signin_on_minus_off_p99_ms', on.p99 - off.p99, 'ms'),
    figure(
      BENCH,
      'signin_unexpected_responses',
      [...offRuns, ...onRuns].reduce((t, r) => t + unexpected(r), 0),
      'responses',
      {
        max: 0,
        note: 'responses other than tokens and INVALID_CREDENTIALS (a lockout or a block would skew the comparison)',
      },
    ),
    figure(BENCH, 'signin_detection_exercised', offQuiet && onRan ? 1 : 0, 'bool', {
      min: 1,
      note:
        offRuns
          .map(
            (r) =>
              `off: cursor ${r.cursorBefore} -> ${r.cursorAfter} while the audit head went ${r.headBefore} -> ${r.headAfter}`,
          )
          .join('; ') +
        '; ' +
        onRuns
          .map(
            (r) =>
              `on: cursor ${r.cursorBefore} -> ${r.cursorAfter} (head ${r.headBefore} -> ${r.headAfter}, caught up ` +
              `${r.caughtUpMs === null ? 'NEVER' : `${r.caughtUpMs.toFixed(0)} ms`} after the load), ` +
              `${r.bruteForceIncidents} brute-force incident(s) opened by the child's detector`,
          )
          .join('; '),
    }),
  ];
}
