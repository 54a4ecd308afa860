import { Like } from 'typeorm';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { evaluate } from '../src/modules/compliance/rules/engine';
import type {
  AttemptFact,
  BanFact,
  ConsentFact,
  ContactChannel,
  ContactFacts,
  ContactPurpose,
  Decision,
  NumberType,
} from '../src/modules/compliance/rules/types';
import { candidateZones } from '../src/modules/compliance/rules/zones';
import type { ContactRequest } from '../src/modules/compliance/services/compliance-facts.service';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { CustomerEntity, PhoneType } from '../src/modules/customers/entities/customer.entity';
import { CampaignEntity, Channel } from '../src/modules/outreach/entities/campaign.entity';
import { CampaignsService } from '../src/modules/outreach/services/campaigns.service';
import { seedContactFacts, STATES } from './lib/contact-seed';
import { BenchContext, Figure, figure } from './lib/figures';
import { assertAhead, AT } from './lib/instant';
import { msSince, nowNs, percentile } from './lib/timing';

const BENCH = 'precheck';
const BATCH = 2_000;
const PER_CONTACT = 2_000;
const SINGLE_CHECKS = 2_000;
const REF_PREFIX = 'precheck-';
/** Who is allowed later, by the seed (`allowedLater`): the figures' notes say it. */
const LATER =
  "1 in 20 customers' last call was an hour before AT (seed allowedLater), so the house's 4-hour " +
  'gap between calls blocks those without a ban until 3 hours after AT';

/**
 * The campaign precheck at scale: N customers (20,000 small, 100,000 full) with consents,
 * do-not-contact entries and recent calls; ComplianceService.evaluateBatch over all of them, the
 * per-contact approach of the seed documents (three queries per customer, then the same engine) on
 * 2,000 of them, and 2,000 sequential single pre-dial checks (evaluateContact).
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  assertAhead();
  const total = ctx.scale === 'full' ? 100_000 : 20_000;
  const seeded = await seed(ctx, 0, total);
  const compliance = ctx.app.get(ComplianceService);
  const repo = ctx.dataSource.getRepository(CustomerEntity);
  const request: ContactRequest = { channel: 'call', purpose: 'collection', at: AT };

  // Warm-up: rule set cache, statement paths, JIT.
  ctx.log('precheck: warm-up (2,000 customers, load and evaluateBatch)');
  const warm = await repo.find({ where: { externalRef: Like(`${REF_PREFIX}%`) }, take: BATCH });
  await compliance.evaluateBatch(warm, request, { gate: false });

  ctx.log(`precheck: loading ${total} customers with the repository`);
  const loadStart = nowNs();
  const customers = await repo.find({ where: { externalRef: Like(`${REF_PREFIX}%`) } });
  const loadMs = msSince(loadStart);
  if (customers.length !== total) throw new Error(`loaded ${customers.length} of ${total}`);

  ctx.log(`precheck: evaluateBatch over ${total} customers`);
  const evalStart = nowNs();
  const decisions = await compliance.evaluateBatch(customers, request, { gate: false });
  const evalMs = msSince(evalStart);
  if (decisions.size !== total) throw new Error(`${decisions.size} decisions for ${total}`);
  let allowed = 0;
  let allowedLater = 0;
  const reasons = new Map<string, number>();
  for (const d of decisions.values()) {
    if (d.allowed) allowed++;
    else if (d.nextAllowedAt) allowedLater++;
    for (const c of d.checks) if (!c.passed) reasons.set(c.rule, (reasons.get(c.rule) ?? 0) + 1);
  }
  const reasonText = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  ctx.log(
    `precheck: ${allowed} allowed, ${allowedLater} allowed later; blocking checks: ${reasonText}`,
  );
  if (allowed === 0)
    throw new Error(
      `precheck: evaluateBatch allowed none of ${total} customers at ${AT.toISOString()} ` +
        `(failed checks: ${reasonText}): the allow path is not exercised`,
    );

  ctx.log(`precheck: per-contact approach on ${PER_CONTACT} customers`);
  const sample = customers.slice(0, PER_CONTACT);
  const perContact = await perContactDecisions(ctx, sample, request);
  let agree = 0;
  for (const [id, d] of perContact.decisions) {
    const batch = decisions.get(id);
    if (batch && batch.allowed === d.allowed) agree++;
  }

  ctx.log(`precheck: ${SINGLE_CHECKS} sequential evaluateContact calls`);
  const pick = (i: number) => customers[(i * 7919 + 13) % customers.length];
  for (let i = 0; i < 200; i++)
    await compliance.evaluateContact(pick(i + SINGLE_CHECKS), request, { gate: true });
  const singleMs: number[] = [];
  for (let i = 0; i < SINGLE_CHECKS; i++) {
    const t = nowNs();
    await compliance.evaluateContact(pick(i), request, { gate: true });
    singleMs.push(msSince(t));
  }

  // The campaign precheck itself over the same audience (every seeded customer).
  ctx.log(`precheck: campaign precheck (precheckOf) over the ${total}-customer audience`);
  const campaigns = ctx.app.get(CampaignsService);
  await campaigns.precheckOf(benchCampaign(request), { gate: false, pageSize: 2_000 });
  const precheckStart = nowNs();
  const precheck = await campaigns.precheckOf(benchCampaign(request), { gate: false });
  const precheckMs = msSince(precheckStart);
  // The audience is every customer in the seeded states: other benches' customers too.
  if (precheck.total < total) throw new Error(`precheck of ${precheck.total} of ${total}`);
  if (precheck.allowedNow === 0 || precheck.allowedLater === 0)
    throw new Error('precheck: both allow paths must be exercised');

  const million = ctx.scale === 'full' ? await runMillion(ctx, total, request) : [];
  const batchPerSec = (total / evalMs) * 1000;
  const perContactPerSec = (PER_CONTACT / perContact.ms) * 1000;
  const at = `request: call, collection, at ${request.at.toISOString()} (the fixed instant AT)`;
  return [
    figure(BENCH, 'batch_customers_per_s', batchPerSec, 'customers/s', {
      min: 50_000,
      note:
        `ComplianceService.evaluateBatch over ${total} loaded customers (${seeded}); ` +
        'after a warm-up batch of 2,000',
    }),
    figure(BENCH, 'batch_seconds', evalMs / 1000, 's', {
      max: total / 50_000,
      note: `evaluateBatch of ${total} customers (target scaled from 100,000 in 2 s)`,
    }),
    figure(BENCH, 'load_seconds', loadMs / 1000, 's', {
      note: `repository.find(externalRef LIKE '${REF_PREFIX}%') of ${total} CustomerEntity rows`,
    }),
    figure(
      BENCH,
      'load_and_batch_customers_per_s',
      (total / (loadMs + evalMs)) * 1000,
      'customers/s',
      {
        note: `load ${(loadMs / 1000).toFixed(2)} s + evaluateBatch ${(evalMs / 1000).toFixed(2)} s`,
      },
    ),
    figure(BENCH, 'batch_allowed', allowed, 'customers', { note: at }),
    figure(BENCH, 'batch_blocked', total - allowed, 'customers', {
      note: `failed checks: ${reasonText || 'none'}`,
    }),
    figure(BENCH, 'batch_allowed_later', allowedLater, 'customers', {
      note: `of batch_blocked, those allowed at a later instant (nextAllowedAt): ${LATER}`,
    }),
    figure(BENCH, 'per_contact_per_s', perContactPerSec, 'contacts/s', {
      note:
        `${PER_CONTACT} customers one at a time: consents, dnc entries (person or this number) ` +
        'and 7 days of attempts, three sequential queries each, then evaluate(); ' +
        `${agree}/${PER_CONTACT} decisions agree with evaluateBatch`,
    }),
    figure(BENCH, 'batch_vs_per_contact', batchPerSec / perContactPerSec, 'x', { decimals: 1 }),
    figure(BENCH, 'precheck_seconds', precheckMs / 1000, 's', {
      max: precheck.total / 100_000,
      note:
        `CampaignsService.precheckOf over the ${precheck.total}-customer audience (the seeded ` +
        `customers and those of benches run before; target scaled from 100,000 in 1 s), after a ` +
        `warm-up run; ${precheck.allowedNow} allowed now, ${precheck.allowedLater} later, ` +
        `${precheck.blocked} blocked`,
    }),
    figure(
      BENCH,
      'precheck_vs_per_contact',
      ((precheck.total / precheckMs) * 1000) / perContactPerSec,
      'x',
      { min: 50, decimals: 1, note: 'precheckOf customers/s over per_contact_per_s' },
    ),
    figure(BENCH, 'single_check_p50_ms', percentile(singleMs, 50), 'ms', {
      note: `evaluateContact(customer, request), ${SINGLE_CHECKS} sequential calls, random customers, after 200 warm-up calls`,
    }),
    figure(BENCH, 'single_check_p99_ms', percentile(singleMs, 99), 'ms', { max: 5 }),
    ...million,
  ];
}

const MILLION = 1_000_000;

/** The benches' campaign: every seeded state, decided at its start, AT (ahead of the clock). */
function benchCampaign(request: ContactRequest): CampaignEntity {
  return Object.assign(new CampaignEntity(), {
    id: 'bench-precheck',
    channel: Channel.Call,
    purpose: request.purpose,
    audience: { states: STATES },
    startsAt: AT,
    endsAt: null,
    windowStart: '00:00',
    windowEnd: '23:59',
  });
}

/**
 * Full scale only: grows the table to 1,000,000 customers and runs the campaign precheck itself
 * (CampaignsService.precheckOf: the audience read in keyset pages, one batch per page) over them.
 */
async function runMillion(
  ctx: BenchContext,
  seededSoFar: number,
  request: ContactRequest,
): Promise<Figure[]> {
  await seed(ctx, seededSoFar, MILLION);
  const campaign = benchCampaign(request);
  ctx.log(`precheck: campaign precheck over the ${MILLION}-customer audience (pages of 10,000)`);
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 50);
  const started = nowNs();
  const result = await ctx.app.get(CampaignsService).precheckOf(campaign, { gate: false });
  const ms = msSince(started);
  clearInterval(sampler);
  const counts = `${result.allowedNow} allowed now, ${result.allowedLater} later, ${result.blocked} blocked`;
  if (result.allowedNow === 0 || result.allowedLater === 0)
    throw new Error(
      `precheck: the million-customer precheck at ${AT.toISOString()} has no customer ` +
        `${result.allowedNow === 0 ? 'allowed now' : 'allowed later'} (${counts}): ` +
        'both allow paths must be exercised',
    );
  return [
    figure(BENCH, 'million_precheck_seconds', ms / 1000, 's', {
      max: 10,
      note:
        `CampaignsService.precheckOf over ${result.total} customers (states ${STATES.join(', ')}), ` +
        'keyset pages of 10,000 read one ahead, their facts joined to the page in SQL; customers ' +
        'without history decided once a shape a page, the others one by one (load included)',
    }),
    figure(BENCH, 'million_precheck_customers_per_s', (result.total / ms) * 1000, 'customers/s', {
      note: counts,
    }),
    figure(BENCH, 'million_precheck_heap_growth_mb', (heapPeak - heapBefore) / 2 ** 20, 'MiB', {
      max: 256,
      note:
        'peak heap growth during the precheck (sampled every 50 ms): two pages with their facts ' +
        '(one decided, the next read ahead) and the counts; a precheck keeps no schedule',
    }),
    figure(BENCH, 'million_allowed_now', result.allowedNow, 'customers', {
      note: `allowed at the campaign's start, AT (${AT.toISOString()})`,
    }),
    figure(BENCH, 'million_allowed_later', result.allowedLater, 'customers', {
      note: `blocked at AT, allowed before the campaign ends: ${LATER}`,
    }),
    figure(BENCH, 'million_blocked', result.blocked, 'customers', {
      note: `failed checks among them: ${result.byReason.map((r) => `${r.rule} ${r.count}`).join(', ') || 'none'}`,
    }),
  ];
}

/** Customers, then consents, do-not-contact entries and attempts; returns a description. */
async function seed(ctx: BenchContext, from: number, total: number): Promise<string> {
  const started = nowNs();
  ctx.log(`precheck: inserting customers ${from} to ${total} (batches of ${BATCH})`);
  const seeded = await seedContactFacts(ctx, {
    prefix: REF_PREFIX,
    from,
    total,
    batch: BATCH,
    before: AT.getTime(),
    allowedLater: true,
  });
  ctx.log(`precheck: seeded in ${(msSince(started) / 1000).toFixed(1)} s`);
  return (
    `${STATES.length} states, 1/3 mobile, 1/7 with an out-of-state area code; ` +
    `${seeded.consents} call consents, ${seeded.dnc} person DNC, ${seeded.attempts} calls in the 3 days before AT ` +
    '(for 1 in 20 customers the last an hour before)'
  );
}

interface ConsentRow {
  channel: ContactChannel;
  purpose: ContactPurpose;
  granted: number;
  effective_at: Date;
  expires_at: Date | null;
}
interface BanRow {
  channel: ContactChannel | null;
  scope: 'person' | 'address';
  reason: string | null;
}
interface AttemptRow {
  channel: ContactChannel;
  purpose: ContactPurpose;
  debt_id: string | null;
  occurred_at: Date;
  consumer_initiated: number;
  conversation: number;
  with_consent: number;
  to_type: NumberType;
}

/**
 * The seed documents' way: for each customer, one query per kind of fact (awaited one after the
 * other), then the engine; facts built as ComplianceFactsService builds them.
 */
async function perContactDecisions(
  ctx: BenchContext,
  customers: CustomerEntity[],
  request: ContactRequest,
): Promise<{ ms: number; decisions: Map<string, Decision> }> {
  const compliance = ctx.app.get(ComplianceService);
  const crypto = ctx.app.get(CryptoService);
  const ds = ctx.dataSource;
  const rules = await compliance.ruleSet();
  const since = new Date(request.at.getTime() - 7 * 86400_000);
  const decisions = new Map<string, Decision>();
  const start = nowNs();
  for (const c of customers) {
    const phone = c.phone;
    const bidx = phone ? crypto.blindIndex('phone', phone) : null;
    const consents = await ds.query<ConsentRow[]>(
      `SELECT channel, purpose, granted, effective_at, expires_at FROM consents
        WHERE customer_id = ? AND channel = ?`,
      [c.id, request.channel],
    );
    const bans = await ds.query<BanRow[]>(
      `SELECT channel, scope, reason FROM dnc_entries
        WHERE (customer_id = ? AND scope = 'person')${bidx ? ' OR address_bidx = ?' : ''}`,
      bidx ? [c.id, bidx] : [c.id],
    );
    const attempts = await ds.query<AttemptRow[]>(
      `SELECT channel, purpose, debt_id, occurred_at, consumer_initiated, conversation, with_consent, to_type
         FROM contact_attempts WHERE customer_id = ? AND occurred_at > ?`,
      [c.id, since],
    );
    const facts: ContactFacts = {
      channel: request.channel,
      purpose: request.purpose,
      at: request.at,
      zones: candidateZones({ timezone: c.timezone, phone, state: c.state, zip: c.zip }),
      state: c.state,
      toType:
        c.phoneType === PhoneType.Mobile
          ? 'cell'
          : c.phoneType === PhoneType.Landline
            ? 'home'
            : 'unknown',
      debtId: null,
      consents: consents.map((r): ConsentFact => ({
        channel: r.channel,
        purpose: r.purpose,
        granted: Boolean(r.granted),
        at: r.effective_at,
        expiresAt: r.expires_at,
      })),
      bans: bans.map((b): BanFact => ({
        channel: b.channel,
        scope: b.scope,
        reason: b.reason ?? undefined,
      })),
      attempts: attempts.map((r): AttemptFact => ({
        channel: r.channel,
        purpose: r.purpose,
        at: r.occurred_at,
        debtId: r.debt_id,
        consumerInitiated: Boolean(r.consumer_initiated),
        conversation: Boolean(r.conversation),
        withConsent: Boolean(r.with_consent),
        toType: r.to_type,
      })),
      preferredWindow:
        c.contactWindowStart && c.contactWindowEnd
          ? { start: c.contactWindowStart, end: c.contactWindowEnd }
          : null,
      campaignWindow: null,
    };
    decisions.set(c.id, evaluate(facts, rules));
  }
  return { ms: msSince(start), decisions };
}
