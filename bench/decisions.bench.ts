import { loadavg } from 'node:os';
import { Like } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../src/core/auth/request-context';
import { AbilityService } from '../src/modules/authorization/services/ability.service';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { Channel } from '../src/modules/outreach/entities/campaign.entity';
import { CampaignsService } from '../src/modules/outreach/services/campaigns.service';
import type { Decision } from '../src/modules/compliance/rules/types';
import type { ContactRequest } from '../src/modules/compliance/services/compliance-facts.service';
import { DecisionRecordsService } from '../src/modules/compliance/services/decision-records.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { seedContactFacts, STATES } from './lib/contact-seed';
import { BenchContext, Figure, figure } from './lib/figures';
import { assertAhead, AT } from './lib/instant';
import { serverCpu } from './lib/server-cpu';
import { msSince, nowNs, percentile } from './lib/timing';

const BENCH = 'decisions';
/** The launch reads and decides its audience in pages of this size (CampaignsService). */
const PAGE = 10_000;
const SEED_BATCH = 2_000;
/** Each path timed this many times, alternating off, on, off, on, ...; the median is reported. */
const RUNS = 3;
/** The real launch, whose runs spread more (tasks written, InnoDB flushing them after): more runs. */
const REAL_RUNS = 5;
const REF_PREFIX = 'decisions-';
const CAMPAIGN_ID = '01900000-0000-7000-8000-00000000d3c1';
const LAUNCH_OVERHEAD_TARGET = 10;
const DAY = 86_400_000;
/** The bench customers' tag: the real launch's audience. */
const TAG = 'bench-decisions';
const TEAM = 'bench-decisions';
const BENCH_USER = '01900000-0000-7000-8000-0000000be1c4';

const median = (xs: number[]) => percentile([...xs], 50);

/**
 * What keeping a decision record costs (issue #20): the launch gate over 100,000 customers (20,000
 * small) in pages of 10,000, recording off (ComplianceService.evaluateBatch, gate on) against on
 * (decideBatch: the same facts and engine plus the decisions appended to the chain as page rows), alternating
 * off, on, off, on over the same data; then sequential task starts, each in a transaction holding
 * the customer's row lock (as ContactGateService does), off (evaluateContact) against on (decide);
 * then the chain is verified and the kept rows counted.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  assertAhead();
  const total = ctx.scale === 'full' ? 100_000 : 20_000;
  const taskStarts = ctx.scale === 'full' ? 2_000 : 500;
  const seeded = await seed(ctx, total);
  const compliance = ctx.app.get(ComplianceService);
  const records = ctx.app.get(DecisionRecordsService);
  const ds = ctx.dataSource;
  const request: ContactRequest = {
    channel: 'call',
    purpose: 'collection',
    at: AT,
    campaignWindow: { start: '08:00', end: '21:00' },
  };

  const customers = await ds
    .getRepository(CustomerEntity)
    .find({ where: { externalRef: Like(`${REF_PREFIX}%`) }, order: { id: 'ASC' } });
  if (customers.length !== total) throw new Error(`loaded ${customers.length} of ${total}`);
  const pages: CustomerEntity[][] = [];
  for (let i = 0; i < total; i += PAGE) pages.push(customers.slice(i, i + PAGE));

  const countRows = async () =>
    Number((await ds.query<{ n: string }[]>('SELECT COUNT(*) AS n FROM contact_decisions'))[0].n);
  /** Decisions kept: a page row (a launch) holds entry_count of them, any other row one. */
  const countDecisions = async () =>
    Number(
      (
        await ds.query<{ n: string }[]>(
          'SELECT COALESCE(SUM(COALESCE(entry_count, 1)), 0) AS n FROM contact_decisions',
        )
      )[0].n,
    );
  const dataLength = async () => {
    await ds.query('ANALYZE TABLE contact_decisions');
    const [row] = await ds.query<{ data: string; avg: string }[]>(
      `SELECT data_length AS data, avg_row_length AS avg FROM information_schema.TABLES
        WHERE table_schema = DATABASE() AND table_name = 'contact_decisions'`,
    );
    return { data: Number(row.data), avg: Number(row.avg) };
  };

  const cpu = await serverCpu(ds);
  /** `work` timed, with its peak heap growth and this process's and the server's CPU per customer. */
  const measured = async <T>(work: () => Promise<T>) => {
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    const serverBefore = cpu?.() ?? null;
    const nodeBefore = process.cpuUsage();
    const started = nowNs();
    let result: T;
    try {
      result = await work();
    } finally {
      clearInterval(sampler);
    }
    const ms = msSince(started);
    const nodeCpu = process.cpuUsage(nodeBefore);
    const serverAfter = cpu?.() ?? null;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    return {
      result,
      ms,
      heapGrowth: heapPeak - heapBefore,
      nodeUs: (nodeCpu.user + nodeCpu.system) / total,
      serverUs:
        serverBefore === null || serverAfter === null
          ? Number.NaN
          : ((serverAfter - serverBefore) * 1e6) / total,
    };
  };
  // One launch pass over every page; the allowed/refused split is checked to be the same each pass.
  let expectedAllowed: number | null = null;
  /** The last recorded page's decisions, for the replay check. */
  let lastKept = new Map<string, { decision: Decision; decisionId: string }>();
  const launchPass = async (recording: boolean) => {
    let allowed = 0;
    let refused = 0;
    const taskIds: string[] = [];
    const pass = await measured(async () => {
      // As the launch does: a page's decisions committed while the next page is decided.
      let keeping: Promise<void> = Promise.resolve();
      for (const page of pages) {
        let decisions: Decision[];
        if (recording) {
          const decided = await compliance.decideBatch(page, request, {
            campaignId: CAMPAIGN_ID,
            admit: (d) => (d.allowed ? uuidv7() : null),
          });
          decisions = [...decided.decisions.values()].map((k) => k.decision);
          await keeping;
          keeping = decided.kept.then((ids) => {
            lastKept = new Map(
              [...ids].map(([id, decisionId]) => [
                id,
                { decision: decided.decisions.get(id)!.decision, decisionId },
              ]),
            );
          });
        } else {
          decisions = [...(await compliance.evaluateBatch(page, request, { gate: true })).values()];
          // The launch makes the same task ids unrecorded (when it writes the tasks).
          for (const d of decisions) if (d.allowed) taskIds.push(uuidv7());
        }
        for (const d of decisions)
          if (d.allowed) allowed++;
          else refused++;
      }
      await keeping;
    });
    if (allowed + refused !== total) throw new Error(`${allowed + refused} decisions of ${total}`);
    if (allowed === 0 || refused === 0)
      throw new Error(`launch: ${allowed} allowed, ${refused} refused: a path was not exercised`);
    if (expectedAllowed !== null && allowed !== expectedAllowed)
      throw new Error(
        `launch (recording ${recording}): ${allowed} allowed, not ${expectedAllowed}`,
      );
    expectedAllowed = allowed;
    return { ...pass, allowed, refused };
  };

  ctx.log(`decisions: warm-up (one page off, one on)`);
  await compliance.evaluateBatch(pages[0], request, { gate: true });
  await (
    await compliance.decideBatch(pages[0], request, {
      campaignId: CAMPAIGN_ID,
      admit: (d) => (d.allowed ? uuidv7() : null),
    })
  ).kept;

  const offMs: number[] = [];
  const onMs: number[] = [];
  const offCpu: { node: number[]; server: number[] } = { node: [], server: [] };
  const onCpu: { node: number[]; server: number[] } = { node: [], server: [] };
  let offHeap = 0;
  let onHeap = 0;
  let split = { allowed: 0, refused: 0 };
  const rowsBefore = await countRows();
  const decisionsBefore = await countDecisions();
  const lengthBefore = await dataLength();
  for (let r = 0; r < RUNS; r++) {
    global.gc?.();
    const off = await launchPass(false);
    offMs.push(off.ms);
    offCpu.node.push(off.nodeUs);
    offCpu.server.push(off.serverUs);
    offHeap = Math.max(offHeap, off.heapGrowth);
    ctx.log(`decisions: launch off run ${r + 1}: ${(off.ms / 1000).toFixed(2)} s`);
    global.gc?.();
    const on = await launchPass(true);
    onMs.push(on.ms);
    onCpu.node.push(on.nodeUs);
    onCpu.server.push(on.serverUs);
    onHeap = Math.max(onHeap, on.heapGrowth);
    split = { allowed: on.allowed, refused: on.refused };
    ctx.log(`decisions: launch on run ${r + 1}: ${(on.ms / 1000).toFixed(2)} s`);
  }
  const rowsWritten = (await countRows()) - rowsBefore;
  const decisionsWritten = (await countDecisions()) - decisionsBefore;
  const lengthAfter = await dataLength();
  if (decisionsWritten !== RUNS * total)
    throw new Error(`${decisionsWritten} decisions kept by ${RUNS} launches of ${total}`);
  const [logical] = await ds.query<{ entry: string; page: string }[]>(
    `SELECT SUM(LENGTH(entries)) / SUM(entry_count) AS entry, AVG(LENGTH(facts)) AS page
       FROM contact_decisions WHERE entries IS NOT NULL`,
  );
  // Every kept launch decision is one that replays: a sample of the last run's, each the same.
  const sample = [...lastKept].filter((_, i) => i % 97 === 0);
  let replayed = 0;
  for (const [customerId, { decision, decisionId }] of sample) {
    const result = await records.replayDecision(decisionId, customerId);
    if (result?.matches && result.recordedAllowed === decision.allowed) replayed++;
  }
  if (replayed === 0 || replayed !== sample.length)
    throw new Error(`launch replay: ${replayed} of ${sample.length} sampled decisions matched`);
  const launchOff = median(offMs);
  const launchOn = median(onMs);
  const launchOverhead = ((launchOn - launchOff) / launchOff) * 100;
  const cpuOff = median(offCpu.node) + median(offCpu.server);
  const cpuOn = median(onCpu.node) + median(onCpu.server);
  const bytesPerDecision = (lengthAfter.data - lengthBefore.data) / decisionsWritten;

  // The real launch: CampaignsService.launch of a campaign whose audience is these customers
  // (tag), starting at AT: audience pages read, the gate, the tasks written and the campaign moved
  // in its transaction, audited. Off: the same launch with decideBatch replaced by the evaluation
  // (bench only; the tasks then name no decision). Alternating off, on; medians.
  ctx.log(`decisions: ${REAL_RUNS} real launches off and on, alternating`);
  const campaigns = ctx.app.get(CampaignsService);
  await ds.query('UPDATE customers SET tags = JSON_ARRAY(?) WHERE external_ref LIKE ?', [
    TAG,
    `${REF_PREFIX}%`,
  ]);
  const rc = {
    principal: { type: 'user', id: BENCH_USER, role: 'admin', userId: BENCH_USER, teamId: TEAM },
    ability: await ctx.app
      .get(AbilityService)
      .abilityFor({ role: 'admin', userId: BENCH_USER, teamId: TEAM }),
    ip: null,
    userAgent: null,
  } as RequestContext;
  const decideBatch = compliance.decideBatch.bind(compliance);
  let expectedTasks: number | null = null;
  const realLaunch = async (recording: boolean, run: number) => {
    const campaign = await campaigns.create(rc, {
      name: `bench launch ${run} ${recording ? 'on' : 'off'}`,
      channel: Channel.Call,
      purpose: 'collection',
      audience: { tags: [TAG] },
      startsAt: AT,
      endsAt: new Date(AT.getTime() + 14 * DAY),
      windowStart: '08:00',
      windowEnd: '21:00',
      teamId: TEAM,
    });
    if (!recording)
      compliance.decideBatch = async (page, req) => ({
        decisions: new Map(
          [...(await compliance.evaluateBatch(page, req, { gate: true }))].map(([id, decision]) => [
            id,
            { decision, taskId: null },
          ]),
        ),
        kept: Promise.resolve(new Map<string, string>()),
      });
    let pass: Awaited<ReturnType<typeof measured<Awaited<ReturnType<CampaignsService['launch']>>>>>;
    try {
      pass = await measured(() => campaigns.launch(rc, campaign.id));
    } finally {
      compliance.decideBatch = decideBatch;
    }
    const launched = pass.result;
    const [{ tasks, named }] = await ds.query<{ tasks: string; named: string }[]>(
      'SELECT COUNT(*) AS tasks, COUNT(decision_id) AS named FROM tasks WHERE campaign_id = ?',
      [campaign.id],
    );
    const [{ kept }] = await ds.query<{ kept: string | null }[]>(
      "SELECT SUM(entry_count) AS kept FROM contact_decisions WHERE campaign_id = ? AND gate = 'launch'",
      [campaign.id],
    );
    const created = launched.tasksCreated;
    if (
      created === 0 ||
      created === total ||
      Number(tasks) !== created ||
      Number(named) !== (recording ? created : 0) ||
      Number(kept ?? 0) !== (recording ? total : 0) ||
      launched.precheck.total !== total
    )
      throw new Error(
        `real launch (recording ${recording}): ${created} tasks created, ${tasks} written, ${named} naming a decision, ${kept} decisions kept, audience ${launched.precheck.total} of ${total}`,
      );
    if (expectedTasks !== null && created !== expectedTasks)
      throw new Error(
        `real launch (recording ${recording}): ${created} tasks, not ${expectedTasks}`,
      );
    expectedTasks = created;
    return { ...pass, tasks: created };
  };
  await realLaunch(false, 0); // warm-up
  const realOff: Awaited<ReturnType<typeof realLaunch>>[] = [];
  const realOn: Awaited<ReturnType<typeof realLaunch>>[] = [];
  for (let r = 1; r <= REAL_RUNS; r++) {
    global.gc?.();
    realOff.push(await realLaunch(false, r));
    ctx.log(`decisions: real launch off run ${r}: ${(realOff[r - 1].ms / 1000).toFixed(2)} s`);
    global.gc?.();
    realOn.push(await realLaunch(true, r));
    ctx.log(`decisions: real launch on run ${r}: ${(realOn[r - 1].ms / 1000).toFixed(2)} s`);
  }
  const realOffMs = median(realOff.map((x) => x.ms));
  const realOnMs = median(realOn.map((x) => x.ms));
  const realCpu = (xs: typeof realOn) =>
    median(xs.map((x) => x.nodeUs)) + median(xs.map((x) => x.serverUs));

  // Task starts: each in a transaction that holds the customer's row lock, paired off/on samples
  // on the same customer, the order alternating from one pair to the next.
  ctx.log(`decisions: ${taskStarts} task starts, off and on, alternating`);
  const pick = (i: number) => customers[(i * 7919 + 13) % customers.length];
  const taskOff: number[] = [];
  const taskOn: number[] = [];
  const seen = { offAllowed: 0, offRefused: 0, onAllowed: 0, onRefused: 0 };
  const taskStart = async (customer: CustomerEntity, recording: boolean): Promise<number> => {
    const started = nowNs();
    const decision = await ds.transaction(async (m) => {
      await m.query('SELECT id FROM customers WHERE id = ? FOR UPDATE', [customer.id]);
      if (!recording) return compliance.evaluateContact(customer, request, { gate: true });
      const kept = await compliance.decide(
        customer,
        request,
        {
          gate: 'task_start',
          customerId: customer.id,
          taskId: uuidv7(),
          campaignId: CAMPAIGN_ID,
          attemptId: uuidv7(),
        },
        m,
      );
      return kept.decision;
    });
    const ms = msSince(started);
    const key = `${recording ? 'on' : 'off'}${decision.allowed ? 'Allowed' : 'Refused'}`;
    seen[key as keyof typeof seen]++;
    return ms;
  };
  for (let i = 0; i < 100; i++) {
    await taskStart(pick(taskStarts + i), false);
    await taskStart(pick(taskStarts + i), true);
  }
  Object.assign(seen, { offAllowed: 0, offRefused: 0, onAllowed: 0, onRefused: 0 });
  const taskRowsBefore = await countRows();
  for (let i = 0; i < taskStarts; i++) {
    const c = pick(i);
    if (i % 2 === 0) {
      taskOff.push(await taskStart(c, false));
      taskOn.push(await taskStart(c, true));
    } else {
      taskOn.push(await taskStart(c, true));
      taskOff.push(await taskStart(c, false));
    }
  }
  const taskRows = (await countRows()) - taskRowsBefore;
  if (
    seen.onAllowed === 0 ||
    seen.onRefused === 0 ||
    seen.offAllowed === 0 ||
    seen.offRefused === 0
  )
    throw new Error(`task starts: a path was not exercised: ${JSON.stringify(seen)}`);
  if (seen.onAllowed !== seen.offAllowed)
    throw new Error(`task starts: off and on disagree: ${JSON.stringify(seen)}`);
  if (taskRows !== taskStarts)
    throw new Error(`${taskRows} rows kept by ${taskStarts} task starts`);
  const p50Off = percentile(taskOff, 50);
  const p50On = percentile(taskOn, 50);
  const p99Off = percentile(taskOff, 99);
  const p99On = percentile(taskOn, 99);

  ctx.log('decisions: verifying the chain');
  const verifyStart = nowNs();
  const chain = await records.verifyChain();
  const verifyMs = msSince(verifyStart);
  const allRows = await countRows();
  if (!chain.valid) throw new Error(`decision chain broken at seq ${chain.brokenAtSeq}`);
  if (chain.checked !== allRows)
    throw new Error(`chain verification checked ${chain.checked} of ${allRows} rows`);
  const load = loadavg();

  const runs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
  const at = `at ${AT.toISOString()}, call, collection, window 08:00-21:00`;
  return [
    figure(BENCH, 'launch_off_seconds', launchOff / 1000, 's', {
      note:
        `median of ${RUNS} runs (${runs(offMs)} s): evaluateBatch(gate) over ${total} loaded ` +
        `customers in pages of ${PAGE} (${seeded}); ${at}`,
    }),
    figure(BENCH, 'launch_on_seconds', launchOn / 1000, 's', {
      note:
        `median of ${RUNS} runs (${runs(onMs)} s), alternating with the off runs: decideBatch ` +
        `(facts, engine, refusals counted, one transaction per page of ${PAGE} appending its ` +
        `decisions as chained page rows, committed while the next page is decided)`,
    }),
    figure(BENCH, 'launch_overhead_pct', launchOverhead, '%', {
      note: `(on - off) / off of the medians; ${(((launchOn - launchOff) / total) * 1000).toFixed(1)} µs per decision; audience load not included in either`,
    }),
    figure(BENCH, 'real_launch_off_seconds', realOffMs / 1000, 's', {
      note:
        `median of ${REAL_RUNS} runs (${runs(realOff.map((x) => x.ms))} s): CampaignsService.launch of a ` +
        `campaign whose audience is the ${total} customers (by tag), starting at AT: audience read in ` +
        `pages, the gate (decideBatch replaced by evaluateBatch, bench only), ${realOff[0].tasks} ` +
        `tasks written, the campaign scheduled, audited`,
    }),
    figure(BENCH, 'real_launch_on_seconds', realOnMs / 1000, 's', {
      note: `median of ${REAL_RUNS} runs (${runs(realOn.map((x) => x.ms))} s), alternating with the off runs: the same launch as it runs, every decision kept (page rows) and every task naming its decision`,
    }),
    figure(BENCH, 'real_launch_overhead_pct', ((realOnMs - realOffMs) / realOffMs) * 100, '%', {
      max: LAUNCH_OVERHEAD_TARGET,
      note: `(on - off) / off of the medians: ${(((realOnMs - realOffMs) / total) * 1000).toFixed(1)} µs per decision; CPU per customer (this process + database server) ${realCpu(realOff).toFixed(1)} off, ${realCpu(realOn).toFixed(1)} µs on; peak heap growth ${(Math.max(...realOff.map((x) => x.heapGrowth)) / 2 ** 20).toFixed(0)} / ${(Math.max(...realOn.map((x) => x.heapGrowth)) / 2 ** 20).toFixed(0)} MiB`,
    }),
    figure(BENCH, 'launch_off_cpu_us_per_customer', cpuOff, 'µs', {
      note:
        `CPU per customer of an off run, median of ${RUNS}: this process ` +
        `${median(offCpu.node).toFixed(1)} µs + database server ${median(offCpu.server).toFixed(1)} µs ` +
        '(user + system from /proc, its background flushing included); less sensitive to the load than wall time',
    }),
    figure(BENCH, 'launch_on_cpu_us_per_customer', cpuOn, 'µs', {
      note:
        `the same for an on run: this process ${median(onCpu.node).toFixed(1)} µs + database ` +
        `server ${median(onCpu.server).toFixed(1)} µs`,
    }),
    figure(BENCH, 'launch_cpu_overhead_pct', ((cpuOn - cpuOff) / cpuOff) * 100, '%', {
      note: 'CPU (this process + database server) of on over off, per customer',
    }),
    figure(BENCH, 'launch_allowed', split.allowed, 'customers', {
      note: `each run; ${split.refused} refused (both paths exercised, same split off and on)`,
    }),
    figure(BENCH, 'launch_decisions_kept', decisionsWritten, 'decisions', {
      note: `${RUNS} recorded launches of ${total}, in ${rowsWritten} page rows`,
    }),
    figure(BENCH, 'launch_replay_sampled', replayed, 'decisions', {
      min: 1,
      note: `replayDecision(page row, customer) of every 97th customer of the last page: each gave the recorded answer under the recorded rule set`,
    }),
    figure(BENCH, 'launch_bytes_per_decision', bytesPerDecision, 'bytes', {
      note:
        `InnoDB data_length growth / decisions kept (after ANALYZE TABLE; AVG_ROW_LENGTH ` +
        `${lengthAfter.avg}); an entry is ${Math.round(Number(logical.entry))} bytes of JSON, ` +
        `a page row's shared facts ${Math.round(Number(logical.page))}; secondary indexes not included`,
    }),
    figure(BENCH, 'launch_off_heap_growth_mb', offHeap / 2 ** 20, 'MiB', {
      note: 'peak heap growth during an off run (sampled every 20 ms), largest of the runs',
    }),
    figure(BENCH, 'launch_on_heap_growth_mb', onHeap / 2 ** 20, 'MiB', {
      note: 'peak heap growth during an on run (sampled every 20 ms), largest of the runs',
    }),
    figure(BENCH, 'task_start_off_p50_ms', p50Off, 'ms', {
      note:
        `${taskStarts} sequential task starts, each a transaction locking the customer row, then ` +
        `evaluateContact(gate); paired with the on samples, order alternating; ` +
        `${seen.offAllowed} allowed, ${seen.offRefused} refused`,
    }),
    figure(BENCH, 'task_start_on_p50_ms', p50On, 'ms', {
      note:
        `the same with decide(): an allowed decision appended in the locking transaction, a ` +
        `refused one in its own; ${seen.onAllowed} allowed, ${seen.onRefused} refused`,
    }),
    figure(BENCH, 'task_start_overhead_p50_ms', p50On - p50Off, 'ms', {
      note: `${(((p50On - p50Off) / p50Off) * 100).toFixed(1)} % of the off p50`,
    }),
    figure(BENCH, 'task_start_overhead_p50_pct', ((p50On - p50Off) / p50Off) * 100, '%'),
    figure(BENCH, 'task_start_off_p99_ms', p99Off, 'ms'),
    figure(BENCH, 'task_start_on_p99_ms', p99On, 'ms'),
    figure(BENCH, 'task_start_overhead_p99_ms', p99On - p99Off, 'ms', {
      note: `${(((p99On - p99Off) / p99Off) * 100).toFixed(1)} % of the off p99`,
    }),
    figure(BENCH, 'chain_rows_verified', chain.checked, 'rows', {
      note:
        `verifyChain() valid over every kept decision (${PAGE} warm-up + launches + ` +
        `${taskStarts + 100} task starts with warm-up) in ${(verifyMs / 1000).toFixed(1)} s`,
    }),
    figure(BENCH, 'load_average_1m', load[0], '', {
      note: `os.loadavg() at the end: ${load.map((l) => l.toFixed(2)).join(', ')}`,
    }),
  ];
}

/**
 * Customers with consents, do-not-contact entries and recent calls, as the precheck bench seeds
 * them (its own prefix, so both can run in one process), times placed relative to AT.
 */
async function seed(ctx: BenchContext, total: number): Promise<string> {
  const started = nowNs();
  ctx.log(`decisions: inserting ${total} customers`);
  const seeded = await seedContactFacts(ctx, {
    prefix: REF_PREFIX,
    from: 0,
    total,
    batch: SEED_BATCH,
    before: AT.getTime(),
  });
  ctx.log(`decisions: seeded in ${(msSince(started) / 1000).toFixed(1)} s`);
  return (
    `${STATES.length} states, 1/3 mobile; ${seeded.consents} call consents, ` +
    `${seeded.dnc} person DNC, ${seeded.attempts} calls in the 3 days before`
  );
}
