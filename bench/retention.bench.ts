import { loadavg } from 'node:os';
import { createConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ActorType } from '../src/modules/audit';
import type { AuditActor } from '../src/modules/audit';
import { RANGES, RetentionService } from '../src/modules/retention/retention.service';
import type { RetentionReport } from '../src/modules/retention/retention.service';
import { RetentionRunsService } from '../src/modules/retention/services/retention-runs.service';
import { RangeSizer } from '../src/modules/retention/utils/range-sizer';
import { prng } from './lib/prng';
import { BenchContext, Figure, figure } from './lib/figures';
import { serverCpu } from './lib/server-cpu';
import { msSince, nowNs, percentile, runConcurrent } from './lib/timing';

const BENCH = 'retention';
const DAY = 86_400_000;
const YEAR = 365 * DAY;
/**
 * The evaluated instant: fixed (never the clock). The dry run and the run both count their cut-off
 * from it (`preview(AT)`, `run(actor, AT)`); the seeded attempts are placed around that cut-off with
 * a year free of rows on either side.
 */
const AT = new Date('2026-12-01T00:00:00.000Z');
const GAP = YEAR;
/** Expired attempts span the 3 years before the gap; kept ones run from after it up to AT. */
const EXPIRED_SPAN = 3 * YEAR;
const RULE = 'contact_attempts';
const SEED_BATCH = 2_000;
const SEED_WORKERS = 2;
const CUSTOMERS = 5_000;
const CAMPAIGNS = 40;
const AGENTS = 200;
const ROWS_PER_S_TARGET = 100_000;
const BATCH_TARGET_MS = 100;
const READ_P99_TARGET_MS = 20;
const IDLE_READ_MS = 3_000;
const ACTOR: AuditActor = { type: ActorType.System, id: 'bench' };
const CHANNELS = ['call', 'call', 'call', 'sms', 'email'] as const;
const OUTCOMES = ['no_answer', 'voicemail', 'connected', 'busy', null] as const;

function bytes(r: () => number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/** A fixed-looking uuid for the n-th customer, campaign or agent (not time-ordered: not a key walked). */
function idOf(label: string, n: number): string {
  return uuidv7({
    msecs: AT.getTime() - 10 * YEAR,
    random: bytes(prng(label.length * 1_000_003 + n)),
  });
}

/**
 * One stretch of attempts in key order: `count` rows spread evenly (with jitter) over
 * [fromMs, toMs), each with a uuid v7 of its own occurred_at, as the application writes them, so
 * key order is time order. Chunk k is generated from its own seed: any chunk, any time, same rows.
 */
class Stretch {
  constructor(
    readonly label: string,
    readonly seed: number,
    readonly count: number,
    readonly fromMs: number,
    readonly toMs: number,
  ) {}

  get chunks(): number {
    return Math.ceil(this.count / SEED_BATCH);
  }

  rows(chunk: number): unknown[][] {
    const r = prng(this.seed * 100_003 + chunk);
    const step = (this.toMs - this.fromMs) / this.count;
    const out: unknown[][] = [];
    const end = Math.min(this.count, (chunk + 1) * SEED_BATCH);
    for (let i = chunk * SEED_BATCH; i < end; i++) {
      const msecs = Math.floor(this.fromMs + (i + r() * 0.9) * step);
      const at = new Date(msecs);
      const campaign = r() < 0.6 ? idOf('campaign', Math.floor(r() * CAMPAIGNS)) : null;
      out.push([
        uuidv7({ msecs, random: bytes(r) }),
        idOf('customer', Math.floor(r() * CUSTOMERS)),
        campaign,
        idOf('agent', Math.floor(r() * AGENTS)),
        CHANNELS[Math.floor(r() * CHANNELS.length)],
        r() < 0.9 ? 'collection' : 'marketing',
        OUTCOMES[Math.floor(r() * OUTCOMES.length)],
        at,
        at,
      ]);
    }
    return out;
  }
}

const ATTEMPT_TUPLE = "(?, ?, ?, ?, ?, ?, 'unknown', ?, ?, ?)";

async function seedStretch(ds: DataSource, s: Stretch): Promise<number> {
  return runConcurrent(SEED_WORKERS, s.chunks, async (k) => {
    const rows = s.rows(k);
    await ds.query(
      `INSERT INTO contact_attempts
         (id, customer_id, campaign_id, agent_id, channel, purpose, to_type, outcome, occurred_at, created_at)
       VALUES ${rows.map(() => ATTEMPT_TUPLE).join(', ')}`,
      rows.flat(),
    );
  });
}

async function count(ds: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await ds.query<{ n: string }[]>(sql, params);
  return Number(row.n);
}

/** InnoDB's undo history not yet purged (delete-marked rows still in the indexes), or -1. */
async function historyLength(ds: DataSource): Promise<number> {
  try {
    const [row] = await ds.query<{ n: string }[]>(
      "SELECT `count` AS n FROM information_schema.INNODB_METRICS WHERE name = 'trx_rseg_history_len'",
    );
    return row ? Number(row.n) : -1;
  } catch {
    return -1;
  }
}

/** Server CPU microseconds per row over `during`, or NaN where the server's CPU is not readable. */
async function cpuPerRow<T>(
  cpu: (() => number | null) | null,
  during: () => Promise<T>,
  rows: (result: T) => number,
): Promise<{ result: T; usPerRow: number; seconds: number; load: string }> {
  const before = cpu?.() ?? null;
  const result = await during();
  const after = cpu?.() ?? null;
  const seconds = before === null || after === null ? Number.NaN : after - before;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return { result, usPerRow: (seconds / rows(result)) * 1e6, seconds, load };
}

/**
 * Waits (up to two minutes) for InnoDB's purge to catch up with the seeding and earlier deletes,
 * so both approaches start from the same state rather than behind a backlog of the other's.
 */
async function settle(ctx: BenchContext, label: string): Promise<string> {
  const t = nowNs();
  let h = await historyLength(ctx.dataSource);
  const first = h;
  while (h > 1_000 && msSince(t) < 120_000) {
    await new Promise((r) => setTimeout(r, 500));
    h = await historyLength(ctx.dataSource);
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const out = `history ${first} -> ${h} in ${(msSince(t) / 1000).toFixed(1)} s, load average ${load}`;
  ctx.log(`retention: ${label}: ${out}`);
  return out;
}

interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const p50 = percentile(samples, 50); // sorts in place
  return {
    count: samples.length,
    p50,
    p99: percentile(samples, 99),
    max: samples[samples.length - 1],
  };
}

function describe(s: LatencySummary): string {
  return `${s.count} reads, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms`;
}

/**
 * Point reads in a tight loop on a connection of their own (not the application's pool the purge
 * uses), alternating a kept contact attempt by id and a customer by id, while `during` runs.
 */
interface WithReads<T> {
  result: T;
  ms: number;
  all: LatencySummary;
  attempts: LatencySummary;
  customers: LatencySummary;
}

async function withPointReads<T>(
  ctx: BenchContext,
  keptIds: string[],
  during: () => Promise<T>,
): Promise<WithReads<T>> {
  const conn = await createConnection({ uri: ctx.env.DATABASE_URL, timezone: 'Z' });
  const attempts: number[] = [];
  const customers: number[] = [];
  let stop = false;
  const failure: { error?: Error } = {};
  const r = prng(7);
  const reader = (async () => {
    for (let i = 0; !stop; i++) {
      const t = nowNs();
      if (i % 2 === 0) {
        const id = keptIds[Math.floor(r() * keptIds.length)];
        const [rows] = await conn.execute<RowDataPacket[]>(
          'SELECT id, customer_id, channel, occurred_at, outcome FROM contact_attempts WHERE id = ?',
          [id],
        );
        if (rows.length !== 1) throw new Error(`kept attempt ${id} not found during the purge`);
        attempts.push(msSince(t));
      } else {
        const [rows] = await conn.execute<RowDataPacket[]>(
          'SELECT id, external_ref, status, deleted_at FROM customers WHERE id = ?',
          [idOf('customer', Math.floor(r() * CUSTOMERS))],
        );
        if (rows.length !== 1) throw new Error('bench customer not found');
        customers.push(msSince(t));
      }
    }
  })().catch((e: unknown) => {
    failure.error = e instanceof Error ? e : new Error(String(e));
  });
  try {
    // The reader's connection and statements warm up before the timed work starts.
    await new Promise((res) => setTimeout(res, 200));
    attempts.length = 0;
    customers.length = 0;
    const t = nowNs();
    let result: T;
    try {
      result = await during();
    } finally {
      stop = true;
    }
    const ms = msSince(t);
    await reader;
    if (failure.error) throw failure.error;
    return {
      result,
      ms,
      all: summarize([...attempts, ...customers]),
      attempts: summarize(attempts),
      customers: summarize(customers),
    };
  } finally {
    stop = true;
    await reader;
    await conn.end();
  }
}

/** Seeds the attempts (expired first in key order, then kept) and returns the kept ids. */
async function seedAttempts(
  ctx: BenchContext,
  expired: Stretch,
  kept: Stretch,
): Promise<{ keptIds: string[]; ms: number }> {
  const t = nowNs();
  const expiredMs = await seedStretch(ctx.dataSource, expired);
  const keptMs = await seedStretch(ctx.dataSource, kept);
  const keptIds: string[] = [];
  for (let k = 0; k < kept.chunks; k++)
    for (const row of kept.rows(k)) keptIds.push(row[0] as string);
  ctx.log(
    `retention: seeded ${expired.count} expired attempts in ${(expiredMs / 1000).toFixed(1)} s and ` +
      `${kept.count} kept in ${(keptMs / 1000).toFixed(1)} s`,
  );
  return { keptIds, ms: msSince(t) };
}

/** The monthly partitions of contact_attempts (pYYYYMM). */
async function partitionCount(ds: DataSource): Promise<number> {
  return count(
    ds,
    `SELECT COUNT(*) AS n FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE()
      AND TABLE_NAME = 'contact_attempts' AND PARTITION_NAME REGEXP '^p[0-9]{6}$'`,
  );
}

/** How many of `ids` are still there (chunks of 10,000). */
async function present(ds: DataSource, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 10_000)
    n += await count(ds, 'SELECT COUNT(*) AS n FROM contact_attempts WHERE id IN (?)', [
      ids.slice(i, i + 10_000),
    ]);
  return n;
}

interface Check {
  ok: boolean;
  note: string;
}

/** After a purge: no expired attempt is left, every kept one is, and nothing else went. */
async function checkAfter(
  ds: DataSource,
  cut: Date,
  keptIds: string[],
  expectedTotal: number,
): Promise<Check> {
  const expiredLeft = await count(
    ds,
    'SELECT COUNT(*) AS n FROM contact_attempts WHERE occurred_at < ?',
    [cut],
  );
  const keptLeft = await present(ds, keptIds);
  const total = await count(ds, 'SELECT COUNT(*) AS n FROM contact_attempts');
  return {
    ok: expiredLeft === 0 && keptLeft === keptIds.length && total === expectedTotal,
    note: `after: ${expiredLeft} expired left, ${keptLeft} of ${keptIds.length} kept present, ${total} rows in all (expected ${expectedTotal})`,
  };
}

/**
 * Times each rule of a run (from its `beginRule` to the next one's, the last to the end of the run)
 * and each contact-attempt range (the interval between the range counts it adds): the report only
 * has the slowest range. Bench instrumentation of the service's collaborator; restored afterwards.
 */
function instrumentRuns(runs: RetentionRunsService): {
  rules: { rule: string; at: bigint }[];
  ranges: bigint[];
  restore: () => void;
} {
  const rules: { rule: string; at: bigint }[] = [];
  const ranges: bigint[] = [];
  const beginRule = runs.beginRule.bind(runs);
  const addCount = runs.addCount.bind(runs);
  runs.beginRule = async (runId: number, rule: string) => {
    await beginRule(runId, rule);
    rules.push({ rule, at: nowNs() });
  };
  runs.addCount = async (m: EntityManager, runId: number, rule: string, n: number) => {
    await addCount(m, runId, rule, n);
    if (rule === RULE) ranges.push(nowNs());
  };
  return {
    rules,
    ranges,
    restore: () => {
      runs.beginRule = beginRule;
      runs.addCount = addCount;
    },
  };
}

/**
 * The retention purge of 100,000 (small) or 1,000,000 (full) expired contact attempts among
 * 10,000 or 100,000 kept ones, laid out as real data is (uuid v7 ids of their own time: the expired
 * ones first in key order): the dry run at a fixed instant, then `RetentionService.run()` with a
 * point-read loop on another connection; then the same data again, purged by the approach the
 * service replaced (a repeated `DELETE ... ORDER BY id LIMIT n`, n sized as the service sizes its
 * ranges, here in the bench only) with the same reads, side by side.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const ds = ctx.dataSource;
  const retention = ctx.app.get(RetentionService);
  const runs = ctx.app.get(RetentionRunsService);
  const expiredCount = ctx.scale === 'full' ? 1_000_000 : 100_000;
  const keptCount = ctx.scale === 'full' ? 100_000 : 10_000;
  // The rule's period as the service sees it (its dry run reports it with each rule's count).
  const days = (await retention.preview(AT)).find((r) => r.rule === RULE)?.days;
  if (days === undefined) throw new Error(`no ${RULE} rule in the retention policy`);
  const cut = new Date(AT.getTime() - days * DAY);
  const expired = new Stretch(
    'expired',
    1,
    expiredCount,
    cut.getTime() - GAP - EXPIRED_SPAN,
    cut.getTime() - GAP,
  );
  const kept = new Stretch('kept', 2, keptCount, cut.getTime() + GAP, AT.getTime());

  // Customers for the point reads (and the attempts' customer_id): bare rows, nothing to erase.
  const customers = Array.from({ length: CUSTOMERS }, (_, n) => [
    idOf('customer', n),
    `bench-retention-${n}`,
  ]);
  for (let i = 0; i < customers.length; i += SEED_BATCH) {
    const chunk = customers.slice(i, i + SEED_BATCH);
    await ds.query(
      `INSERT INTO customers (id, external_ref) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
      chunk.flat(),
    );
  }

  // Whatever earlier benches left (recent attempts of the precheck bench) stays and is counted.
  const baseTotal = await count(ds, 'SELECT COUNT(*) AS n FROM contact_attempts');
  const baseExpired = await count(
    ds,
    'SELECT COUNT(*) AS n FROM contact_attempts WHERE occurred_at < ?',
    [cut],
  );
  const expectedRemoved = expiredCount + baseExpired;
  const expectedTotal = baseTotal - baseExpired + keptCount;

  ctx.log(
    `retention: seeding ${expiredCount} expired attempts (${new Date(expired.fromMs).toISOString()} .. ` +
      `${new Date(expired.toMs).toISOString()}) and ${keptCount} kept (.. ${AT.toISOString()}); ` +
      `cut-off at AT ${cut.toISOString()}; ${baseTotal} attempts there already (${baseExpired} expired)`,
  );
  // Monthly partitions over the seeded years, as an install that has run that long has them (the
  // migration starts them at its own month; the months before go into p_start).
  await ds.query('CALL contact_attempts_backfill(?)', [
    new Date(expired.fromMs).toISOString().slice(0, 10),
  ]);
  const monthsBefore = await partitionCount(ds);
  const seeded = await seedAttempts(ctx, expired, kept);
  const seedRate = ((expiredCount + keptCount) / seeded.ms) * 1000;

  // --- The product: dry run at AT, then the run.
  const preview = await retention.preview(AT);
  const would = Object.fromEntries(preview.map((r) => [r.rule, r.removed]));
  ctx.log(`retention: dry run at ${AT.toISOString()}: ${JSON.stringify(would)}`);
  const settledNew = await settle(ctx, 'before the run');
  const idleReads = await withPointReads(
    ctx,
    seeded.keptIds,
    () => new Promise<void>((res) => setTimeout(res, IDLE_READ_MS)),
  );
  ctx.log(`retention: idle point reads ${describe(idleReads.all)}`);
  const cpu = await serverCpu(ds);
  const probe = instrumentRuns(runs);
  let runEnd = nowNs();
  let purge: WithReads<RetentionReport>;
  let purgeCpu: { usPerRow: number; seconds: number; load: string };
  try {
    const measured = await cpuPerRow(
      cpu,
      () =>
        withPointReads(ctx, seeded.keptIds, async () => {
          const report = await retention.run(ACTOR, AT);
          runEnd = nowNs();
          return report;
        }),
      (r) => r.result.results.find((x) => x.rule === RULE)?.removed ?? Number.NaN,
    );
    purge = measured.result;
    purgeCpu = measured;
  } finally {
    probe.restore();
  }
  const historyAfterNew = await historyLength(ds);
  const monthsDropped = monthsBefore - (await partitionCount(ds));
  const report = purge.result;
  const result = report.results.find((r) => r.rule === RULE);
  if (!result) throw new Error(`the run reported no ${RULE} rule`);
  const ruleStart = probe.rules.find((r) => r.rule === RULE)?.at;
  const ruleIndex = probe.rules.findIndex((r) => r.rule === RULE);
  const ruleEnd = probe.rules[ruleIndex + 1]?.at ?? runEnd;
  const ruleMs = ruleStart === undefined ? purge.ms : Number(ruleEnd - ruleStart) / 1e6;
  const intervals = probe.ranges.slice(1).map((t, i) => Number(t - probe.ranges[i]) / 1e6);
  const rangeStats = summarize(intervals);
  const removedByRule = Object.fromEntries(report.results.map((r) => [r.rule, r.removed]));
  const mismatched = preview.filter((p) => removedByRule[p.rule] !== p.removed);
  const afterNew = await checkAfter(ds, cut, seeded.keptIds, expectedTotal);
  const otherWork = report.results
    .filter((r) => r.rule !== RULE)
    .map((r) => `${r.rule} ${r.removed} in ${r.batches} batch(es)`)
    .join(', ');
  const newOk =
    result.removed === expectedRemoved &&
    would[RULE] === expectedRemoved &&
    mismatched.length === 0 &&
    afterNew.ok;
  const newRate = (result.removed / ruleMs) * 1000;
  const runRate = (result.removed / purge.ms) * 1000;
  ctx.log(
    `retention: run ${report.runId}: ${RULE} removed ${result.removed} in ${(ruleMs / 1000).toFixed(2)} s ` +
      `(${result.batches} batches: ${monthsDropped} monthly partitions dropped, the rest key ranges; slowest ${result.slowestBatchMs} ms; whole run ${(purge.ms / 1000).toFixed(2)} s; server CPU ${purgeCpu.usPerRow.toFixed(1)} us/row); ` +
      `other rules: ${otherWork}; point reads ${describe(purge.all)}; ${afterNew.note}`,
  );

  // --- The comparison: the same data, purged by repeated DELETE ... ORDER BY id LIMIT (bench only).
  ctx.log('retention: removing the kept attempts and seeding the same data again');
  for (let i = 0; i < seeded.keptIds.length; i += 10_000)
    await ds.query('DELETE FROM contact_attempts WHERE id IN (?)', [
      seeded.keptIds.slice(i, i + 10_000),
    ]);
  await settle(ctx, 'before re-seeding');
  const reseeded = await seedAttempts(ctx, expired, kept);
  const wouldAgain = (await retention.preview(AT)).find((r) => r.rule === RULE)?.removed;
  const settledOld = await settle(ctx, 'before the ORDER BY ... LIMIT loop');
  const capMs = ctx.scale === 'full' ? 15 * 60_000 : 5 * 60_000;
  const oldBatches: number[] = [];
  const oldLimits: number[] = [];
  let capped = false;
  // The same batch sizing as the service (a time budget per batch), so that the ratio compares the
  // two ways of finding the rows, not two batch sizes.
  const oldSizer = new RangeSizer(RANGES);
  const { result: old, ...oldCpu } = await cpuPerRow(
    cpu,
    () =>
      withPointReads(ctx, reseeded.keptIds, async () => {
        const start = nowNs();
        let removed = 0;
        for (;;) {
          const limit = oldSizer.size;
          const t = nowNs();
          const n = await ds.transaction(async (m) => {
            const r = await m.query<{ affectedRows: number }>(
              `DELETE FROM contact_attempts WHERE occurred_at < ? ORDER BY id LIMIT ${limit}`,
              [cut],
            );
            return r.affectedRows;
          });
          const ms = msSince(t);
          oldBatches.push(ms);
          oldLimits.push(limit);
          oldSizer.record(limit, ms);
          removed += n;
          if (n < limit) return removed;
          if (msSince(start) > capMs) {
            capped = true;
            return removed;
          }
        }
      }),
    (r) => r.result,
  );
  const historyAfterOld = await historyLength(ds);
  const oldRate = (old.result / old.ms) * 1000;
  const oldBatchStats = summarize([...oldBatches]);
  const afterOld = capped
    ? { ok: false, note: `stopped after ${(capMs / 60_000).toFixed(0)} min` }
    : await checkAfter(ds, cut, reseeded.keptIds, expectedTotal);
  // The earlier run already removed whatever expired attempts were there before the bench.
  const oldOk =
    !capped && old.result === expiredCount && wouldAgain === expiredCount && afterOld.ok;
  ctx.log(
    `retention: ORDER BY ... LIMIT removed ${old.result} in ${(old.ms / 1000).toFixed(2)} s ` +
      `(${oldBatches.length} batches, slowest ${oldBatchStats.max.toFixed(1)} ms; server CPU ${oldCpu.usPerRow.toFixed(1)} us/row); point reads ` +
      `${describe(old.all)}; ${afterOld.note}`,
  );

  const scaleNote = `${expiredCount} expired attempts among ${keptCount} kept (uuid v7 ids of their own occurred_at: the expired first in key order), cut-off ${cut.toISOString()} (AT ${AT.toISOString()} - ${days} days)`;
  const sizing = `ranges sized to take ${RANGES.targetMs} ms (first ${RANGES.initial} keys, ${RANGES.min} to ${RANGES.max})`;
  const limits = summarize([...oldLimits]);
  const cpuNote = (c: { seconds: number; load: string }, history: number) =>
    `${c.seconds.toFixed(1)} s of database server CPU (user + system, /proc) over the whole window, the point reads' and InnoDB's background purge and page flushing included; undo history ${history} when it ended; load average ${c.load} as it ended`;
  const readNote = (r: WithReads<unknown>) =>
    `${describe(r.all)}; contact_attempts by id (kept rows) ${describe(r.attempts)}; customers by id ${describe(r.customers)}; one connection of its own, sequential, in this process`;
  return [
    figure(BENCH, 'seed_rows_per_s', seedRate, 'rows/s', {
      note: `multi-row INSERTs of ${SEED_BATCH}, ${SEED_WORKERS} connections; ${(seeded.ms / 1000).toFixed(1)} s for ${expiredCount + keptCount} rows (re-seed ${(reseeded.ms / 1000).toFixed(1)} s)`,
    }),
    figure(BENCH, 'purge_exercised', newOk ? 1 : 0, 'bool', {
      min: 1,
      note:
        `dry run at AT: ${would[RULE]} contact attempts (expected ${expectedRemoved}); run removed ` +
        `${result.removed}; every rule's dry-run count equals its removal` +
        (mismatched.length > 0
          ? ` EXCEPT ${mismatched.map((p) => `${p.rule} ${p.removed} != ${removedByRule[p.rule]}`).join(', ')}`
          : '') +
        `; ${afterNew.note}; other rules: ${otherWork}`,
    }),
    figure(BENCH, 'purge_rows_per_s', newRate, 'rows/s', {
      min: ROWS_PER_S_TARGET,
      note:
        `RetentionService.run(): ${result.removed} rows of ${RULE} in ${(ruleMs / 1000).toFixed(2)} s ` +
        `(from its beginRule to the run's end; the whole run ${(purge.ms / 1000).toFixed(2)} s, ` +
        `${runRate.toFixed(0)} rows/s), ${result.batches} batches (${(result.removed / result.batches).toFixed(0)} rows each on average): ${monthsDropped} monthly partitions whose every row had expired dropped whole (contact_attempts_drop_expired), then key ranges, ${sizing}, over what was left; ${scaleNote}; ${settledNew}`,
    }),
    figure(BENCH, 'purge_server_cpu_us_per_row', purgeCpu.usPerRow, 'us/row', {
      note: `RetentionService.run(): ${cpuNote(purgeCpu, historyAfterNew)}`,
    }),
    figure(BENCH, 'purge_slowest_batch_ms', result.slowestBatchMs, 'ms', {
      max: BATCH_TARGET_MS,
      note: `the report's slowestBatchMs (a partition drop: the procedure's checks, count and DROP PARTITION; or a key range: bound SELECT + DELETE transaction); batch-to-batch interval p50 ${rangeStats.p50.toFixed(1)} ms, p99 ${rangeStats.p99.toFixed(1)} ms, max ${rangeStats.max.toFixed(1)} ms`,
    }),
    figure(BENCH, 'purge_point_read_p50_ms', purge.all.p50, 'ms', {
      note: `during the run: ${readNote(purge)}; idle before it: ${describe(idleReads.all)}`,
    }),
    figure(BENCH, 'purge_point_read_p99_ms', purge.all.p99, 'ms', { max: READ_P99_TARGET_MS }),
    figure(BENCH, 'order_by_limit_exercised', oldOk ? 1 : 0, 'bool', {
      min: 1,
      note: `comparison (bench code, not the product): dry run at AT ${wouldAgain}, removed ${old.result} (expected ${expiredCount}); ${afterOld.note}`,
    }),
    figure(BENCH, 'order_by_limit_rows_per_s', oldRate, 'rows/s', {
      note:
        `comparison: DELETE FROM contact_attempts WHERE occurred_at < ? ORDER BY id LIMIT n, ` +
        `one transaction each, until fewer than n, n sized as the service sizes its ranges (the same RangeSizer: ${sizing}; n p50 ${limits.p50}, max ${limits.max}): ${old.result} rows in ${(old.ms / 1000).toFixed(2)} s, ` +
        `${oldBatches.length} batches; same data re-seeded; ${settledOld}`,
    }),
    figure(BENCH, 'order_by_limit_server_cpu_us_per_row', oldCpu.usPerRow, 'us/row', {
      note: `the ORDER BY ... LIMIT loop: ${cpuNote(oldCpu, historyAfterOld)}`,
    }),
    figure(BENCH, 'order_by_limit_slowest_batch_ms', oldBatchStats.max, 'ms', {
      note: `batch p50 ${oldBatchStats.p50.toFixed(1)} ms, p99 ${oldBatchStats.p99.toFixed(1)} ms`,
    }),
    figure(BENCH, 'order_by_limit_point_read_p50_ms', old.all.p50, 'ms', { note: readNote(old) }),
    figure(BENCH, 'order_by_limit_point_read_p99_ms', old.all.p99, 'ms'),
    figure(BENCH, 'ranges_vs_order_by_limit_ratio', newRate / oldRate, 'x', {
      note: `rows/s of the run's ${RULE} rule / rows/s of the ORDER BY ... LIMIT loop (${newRate.toFixed(0)} / ${oldRate.toFixed(0)}); slowest batch ${result.slowestBatchMs} vs ${oldBatchStats.max.toFixed(1)} ms; server CPU ${purgeCpu.usPerRow.toFixed(1)} vs ${oldCpu.usPerRow.toFixed(1)} us/row; point-read p99 ${purge.all.p99.toFixed(2)} vs ${old.all.p99.toFixed(2)} ms`,
    }),
  ];
}
