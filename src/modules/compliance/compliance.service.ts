import { MetricsService } from '../../core/metrics/metrics.service';
import { createHash } from 'node:crypto';
import { inTransaction } from '../../core/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { cursorPage } from '../../core/database/pagination';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service';
import { CryptoService } from '../crypto/crypto.service';
import { AudienceSlice, ContactSubject, CustomerEntity } from '../customers';
import { ConsentEntity, ConsentSource } from './entities/consent.entity';
import { ContactAttemptEntity } from './entities/contact-attempt.entity';
import { DncEntryEntity } from './entities/dnc-entry.entity';
import { batchEvaluator, evaluate } from './rules/engine';
import type {
  ContactChannel,
  ContactFacts,
  ContactPurpose,
  Decision,
  RuleSet,
} from './rules/types';
import {
  ComplianceFactsService,
  ContactRequest,
  AudiencePageFacts,
} from './services/compliance-facts.service';
import {
  DecisionContext,
  DecisionRecordsService,
  ReplayResult,
} from './services/decision-records.service';

export interface ConsentInput {
  customerId: string;
  channel: ContactChannel;
  purpose: ContactPurpose;
  granted: boolean;
  source: ConsentSource;
  evidence?: Record<string, string> | null;
  effectiveAt?: Date;
  expiresAt?: Date | null;
  recordedBy?: string | null;
}

/** A contact that happened (or a message handed to delivery): it feeds the caps and Reg F counts. */
export interface AttemptInput {
  customer: CustomerEntity;
  channel: ContactChannel;
  purpose: ContactPurpose;
  occurredAt: Date;
  outcome: string | null;
  /** The address used, when not the customer's primary one. */
  to?: string | null;
  taskId?: string | null;
  campaignId?: string | null;
  agentId?: string | null;
  debtId?: string | null;
  conversation?: boolean;
  consumerInitiated?: boolean;
  withConsent?: boolean;
  /** The attempt's id when chosen before (an allowing decision names it). */
  id?: string;
  /** The decision that allowed it (none only for consumer-initiated contacts). */
  decisionId?: string | null;
}

export interface DncInput {
  customerId?: string | null;
  channel: ContactChannel | null;
  /** A phone number or email address: the entry then bans that address only. */
  address?: string | null;
  list?: DncEntryEntity['list'];
  reason?: string | null;
  source: string;
  createdBy?: string | null;
}

/**
 * The contact compliance engine's surface: every call, text and email is decided here, with its
 * reasons; consent and do-not-contact changes take effect at once and cancel pending work.
 */
/**
 * A batch evaluation gives the event loop back every so many customers: requests keep being
 * served during a large precheck, and the next page's queries go out while this one is decided.
 */
const YIELD_EVERY = 1000;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

@Injectable()
export class ComplianceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly facts: ComplianceFactsService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly decisions: DecisionRecordsService,
    private readonly metrics: MetricsService,
  ) {}

  ruleSet(): Promise<RuleSet> {
    return this.facts.ruleSet();
  }

  /**
   * The one writer of contact attempts, in the caller's transaction: the address is recorded as the
   * engine reads it back (blind index and number type from the same mapping the caps use).
   */
  async recordAttempt(input: AttemptInput, manager: EntityManager): Promise<string> {
    const { bidx, toType } = this.facts.addressOf(input.customer, input);
    const id = input.id ?? uuidv7();
    await manager.getRepository(ContactAttemptEntity).insert({
      id,
      customerId: input.customer.id,
      taskId: input.taskId ?? null,
      campaignId: input.campaignId ?? null,
      agentId: input.agentId ?? null,
      channel: input.channel,
      purpose: input.purpose,
      debtId: input.debtId ?? null,
      toBidx: bidx,
      toType,
      occurredAt: input.occurredAt,
      outcome: input.outcome,
      consumerInitiated: input.consumerInitiated ?? false,
      conversation: input.conversation ?? false,
      withConsent: input.withConsent ?? false,
      decisionId: input.decisionId ?? null,
      createdAt: new Date(),
    });
    return id;
  }

  /**
   * A page of a customer's consent history, newest effective first; `after`: the id of the last
   * event of the previous page (keyset on effective time and id: consents may be backdated).
   */
  async consentHistory(
    customerId: string,
    first: number,
    after?: string,
  ): Promise<ConsentEntity[]> {
    const qb = this.dataSource
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where('c.customer_id = :customerId', { customerId });
    if (after) {
      const last = await this.dataSource
        .getRepository(ConsentEntity)
        .findOneBy({ id: after, customerId });
      if (!last) return [];
      qb.andWhere('(c.effective_at < :at OR (c.effective_at = :at AND c.id < :id))', {
        at: last.effectiveAt,
        id: last.id,
      });
    }
    return qb.orderBy('c.effective_at', 'DESC').addOrderBy('c.id', 'DESC').take(first).getMany();
  }

  /**
   * A page of a customer's do-not-contact entries, newest first (ids are time-ordered UUIDv7);
   * `after`: the id of the last entry of the previous page.
   */
  async dncEntriesOf(customerId: string, first: number, after?: string): Promise<DncEntryEntity[]> {
    const qb = this.dataSource
      .getRepository(DncEntryEntity)
      .createQueryBuilder('d')
      .where('d.customer_id = :customerId', { customerId });
    return (await cursorPage(qb, { property: 'id', order: 'DESC' }, first, after)).items;
  }

  /** Contacts refused at a real gate in the last 30 days, by day, rule, kind and channel. */
  async recentRefusals(): Promise<
    { day: string; rule: string; kind: string; channel: string; count: number }[]
  > {
    const rows = await this.dataSource.query<
      { day: Date | string; rule: string; kind: string; channel: string; count: number }[]
    >(
      'SELECT day, rule, kind, channel, count FROM compliance_refusals WHERE day >= CURRENT_DATE() - INTERVAL 30 DAY ORDER BY day DESC, rule',
    );
    return rows.map((r) => ({
      ...r,
      day: typeof r.day === 'string' ? r.day : r.day.toISOString().slice(0, 10),
      count: Number(r.count),
    }));
  }

  /** A customer's contact attempts, newest first (at most `limit`). */
  contactAttempts(customerId: string, limit = 500): Promise<ContactAttemptEntity[]> {
    return this.dataSource.getRepository(ContactAttemptEntity).find({
      where: { customerId },
      order: { occurredAt: 'DESC' },
      take: limit,
    });
  }

  /**
   * One decision for one contact. `gate`: the decision lets a real contact happen or not (a task
   * start, a send), so a refusal is counted in the reports; a question ("may I?") is not.
   */
  async evaluateContact(
    customer: CustomerEntity,
    request: ContactRequest,
    { gate }: { gate: boolean },
  ): Promise<Decision> {
    const facts = (await this.facts.factsFor([customer], request)).get(customer.id) as ContactFacts;
    const decision = evaluate(facts, await this.facts.ruleSet());
    if (gate && !decision.allowed) await this.countRefusals([decision], request.channel);
    return decision;
  }

  /**
   * The gate of a real contact (a task start, a send): decides and keeps the decision with its
   * facts and rule set version. An allowing decision is appended in the caller's transaction (it
   * commits with the contact it allows, and names the attempt `context.attemptId`); a refusal in a
   * transaction of its own, so it outlives the caller's rollback. Refusals are counted.
   */
  async decide(
    customer: CustomerEntity,
    request: ContactRequest,
    context: DecisionContext,
    m: EntityManager,
  ): Promise<{ decision: Decision; decisionId: string }> {
    const facts = (await this.facts.factsFor([customer], request)).get(customer.id) as ContactFacts;
    const rules = await this.facts.ruleSet();
    const decision = evaluate(facts, rules);
    const entry = [{ context, facts, decision }];
    if (decision.allowed) {
      const [decisionId] = await this.decisions.record(m, entry, rules);
      return { decision, decisionId };
    }
    await this.countRefusals([decision], request.channel);
    const [decisionId] = await this.dataSource.transaction((own) =>
      this.decisions.record(own, entry, rules),
    );
    return { decision, decisionId };
  }

  /**
   * A launch's gate, set-based: decides a page of customers and keeps every decision (allowed or
   * refused) in a transaction of its own, as page rows of the chain (DecisionRecordsService.
   * recordPage). `admit` names the task a decision admits (null: none), which the decision then
   * names. Refusals are counted. The decisions come back at once; `kept` settles when they are
   * committed, with the page row holding each customer's decision, so that the caller reads and
   * decides its next page meanwhile (it must await `kept` before it acts on a decision).
   */
  async decideBatch(
    customers: ContactSubject[],
    request: ContactRequest,
    launch: { campaignId: string; admit: (decision: Decision) => string | null },
    slice?: AudienceSlice,
  ): Promise<{
    decisions: Map<string, { decision: Decision; taskId: string | null }>;
    kept: Promise<Map<string, string>>;
  }> {
    const facts = await this.facts.factsFor(customers, request, slice);
    const rules = await this.facts.ruleSet();
    const entries: { context: DecisionContext; facts: ContactFacts; decision: Decision }[] = [];
    const decisions = new Map<string, { decision: Decision; taskId: string | null }>();
    const decide = batchEvaluator(rules);
    let n = 0;
    for (const [customerId, f] of facts) {
      if (++n % YIELD_EVERY === 0) await yieldToLoop();
      const decision = decide(f);
      const taskId = launch.admit(decision);
      entries.push({
        context: { gate: 'launch', customerId, campaignId: launch.campaignId, taskId },
        facts: f,
        decision,
      });
      decisions.set(customerId, { decision, taskId });
    }
    await this.countRefusals(
      entries.filter((e) => !e.decision.allowed).map((e) => e.decision),
      request.channel,
    );
    const kept = this.dataSource
      .transaction((m) => this.decisions.recordPage(m, entries, rules))
      .then((ids) => new Map(entries.map((e, i) => [e.context.customerId, ids[i]])));
    // Awaited by the caller later; a failure is theirs then, not an unhandled rejection now.
    kept.catch(() => undefined);
    return { decisions, kept };
  }

  /**
   * The gate again when an admitted message is delivered: consent, do-not-contact and legal hours
   * may have changed since (a STOP, a retry that slid into the night). Frequency caps are not
   * counted again: the message's own attempt is already among them. Kept like every gate.
   */
  async deliveryCheck(
    customer: CustomerEntity,
    request: ContactRequest,
    messageId: string,
  ): Promise<{ decision: Decision; decisionId: string }> {
    const all = (await this.facts.factsFor([customer], request)).get(customer.id) as ContactFacts;
    const facts = { ...all, attempts: [] };
    const rules = await this.facts.ruleSet();
    const decision = evaluate(facts, rules);
    const [decisionId] = await this.dataSource.transaction((m) =>
      this.decisions.record(
        m,
        [{ context: { gate: 'delivery', customerId: customer.id, messageId }, facts, decision }],
        rules,
      ),
    );
    return { decision, decisionId };
  }

  /** Whether a contact may proceed on `decisionId` (see DecisionRecordsService.isFresh). */
  hasFreshDecision(
    m: EntityManager,
    decisionId: string | null | undefined,
    expected: { customerId: string; channel: string; at: Date; maxAgeMs: number },
  ): Promise<boolean> {
    return this.decisions.isFresh(m, decisionId, expected);
  }

  /** The retention purge of decisions (see DecisionRecordsService.purgeBefore). */
  purgeDecisionsBefore(
    m: EntityManager,
    cutoff: Date,
    onBatch?: (m: EntityManager, removed: number, ms: number) => Promise<void>,
  ): Promise<number> {
    return this.decisions.purgeBefore(m, cutoff, onBatch);
  }

  countPurgeableDecisions(cutoff: Date): Promise<number> {
    return this.decisions.countPurgeable(cutoff);
  }

  replayContactDecision(attemptId: string): Promise<ReplayResult | null> {
    return this.decisions.replay(attemptId);
  }

  /**
   * The same decision for many customers, set-based (a handful of queries per 10,000 customers).
   * `gate`: a launch that creates tasks counts its refusals; a precheck counts none.
   */
  async evaluateBatch(
    customers: ContactSubject[],
    request: ContactRequest,
    { gate, slice }: { gate: boolean; slice?: AudienceSlice },
  ): Promise<Map<string, Decision>> {
    return this.evaluateFacts(await this.facts.factsFor(customers, request, slice), request, {
      gate,
    });
  }

  /**
   * The facts of one audience page (at most 10,000 customers), read apart from their evaluation
   * so that a caller reads the next page's while it evaluates this one (a precheck).
   */
  pageFacts(
    customers: ContactSubject[],
    request: ContactRequest,
    slice?: AudienceSlice,
  ): Promise<AudiencePageFacts> {
    return this.facts.pageFacts(customers, request, slice);
  }

  /**
   * evaluateBatch over one page, for a precheck (no refusal counted, nothing kept, no map built):
   * `visit` gets each customer's decision in page order. A customer with no history on file is
   * decided once per shape (their facts depend on it alone: most of an audience), the others one
   * by one. Decisions may be shared between customers: read them, never change them.
   */
  async evaluatePage(
    page: AudiencePageFacts,
    visit: (customerId: string, decision: Decision) => void,
  ): Promise<void> {
    const decide = batchEvaluator(await this.facts.ruleSet());
    const byShape = new Map<string, Decision>();
    let n = 0;
    for (const c of page.customers) {
      if (++n % YIELD_EVERY === 0) await yieldToLoop();
      const shape = page.shapeOf(c);
      let decision = shape === null ? undefined : byShape.get(shape);
      if (!decision) {
        decision = decide(page.factsOf(c));
        if (shape !== null) byShape.set(shape, decision);
      }
      visit(c.id, decision);
    }
  }

  /** evaluateBatch's second half: the engine over facts read by factsFor. */
  private async evaluateFacts(
    facts: Map<string, ContactFacts>,
    request: ContactRequest,
    { gate }: { gate: boolean },
  ): Promise<Map<string, Decision>> {
    const rules = await this.facts.ruleSet();
    const out = new Map<string, Decision>();
    const decide = batchEvaluator(rules);
    let n = 0;
    for (const [id, f] of facts) {
      if (++n % YIELD_EVERY === 0) await yieldToLoop();
      out.set(id, decide(f));
    }
    if (gate)
      await this.countRefusals(
        [...out.values()].filter((d) => !d.allowed),
        request.channel,
      );
    return out;
  }

  /** What-if: the same engine over facts given directly; writes nothing. */
  async simulate(facts: ContactFacts): Promise<Decision> {
    return evaluate(facts, await this.facts.ruleSet());
  }

  /** Appends a consent event; a revocation cancels pending work on that channel in the same transaction. */
  async recordConsent(input: ConsentInput, manager?: EntityManager): Promise<ConsentEntity> {
    const run = async (m: EntityManager) => {
      const consent = new ConsentEntity();
      consent.id = uuidv7();
      consent.customerId = input.customerId;
      consent.channel = input.channel;
      consent.purpose = input.purpose;
      consent.granted = input.granted;
      consent.source = input.source;
      consent.evidence = input.evidence ? JSON.stringify(input.evidence) : null;
      consent.evidenceHash = consent.evidence
        ? createHash('sha256').update(consent.evidence, 'utf8').digest()
        : null;
      consent.effectiveAt = input.effectiveAt ?? new Date();
      consent.expiresAt = input.expiresAt ?? null;
      consent.recordedBy = input.recordedBy ?? null;
      consent.createdAt = new Date();
      await m.getRepository(ConsentEntity).insert(consent);
      const cancelled = input.granted
        ? 0
        : await this.cancelPendingTasks(m, [input.customerId], input.channel);
      await this.audit.record(
        {
          action: input.granted ? 'consent.granted' : 'consent.revoked',
          resourceType: 'Customer',
          resourceId: input.customerId,
          changes: {
            channel: input.channel,
            purpose: input.purpose,
            source: input.source,
            tasksCancelled: cancelled,
          },
        },
        m,
      );
      return consent;
    };
    return inTransaction(this.dataSource, manager, run);
  }

  /** Removes a do-not-contact entry (a provisional suppression lifted); the caller audits why. */
  async removeDnc(id: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.getRepository(DncEntryEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** Adds a do-not-contact entry and cancels the affected pending tasks in the same transaction. */
  async addDnc(input: DncInput, manager?: EntityManager): Promise<DncEntryEntity> {
    const run = async (m: EntityManager) => {
      const kind = input.address ? (input.address.includes('@') ? 'email' : 'phone') : null;
      const bidx = input.address && kind ? this.crypto.blindIndex(kind, input.address) : null;
      if (input.address && !bidx) throw new Error('unreachable: address validated by caller');
      const entry = m.getRepository(DncEntryEntity).create({
        id: uuidv7(),
        customerId: input.customerId ?? null,
        channel: input.channel,
        scope: input.address ? 'address' : 'person',
        addressKind: kind,
        addressBidx: bidx,
        list: input.list ?? 'internal',
        reason: input.reason?.slice(0, 255) ?? null,
        source: input.source,
        createdBy: input.createdBy ?? null,
        createdAt: new Date(),
      });
      await m.getRepository(DncEntryEntity).insert(entry);
      const customers = input.customerId
        ? [input.customerId]
        : bidx
          ? await this.customersWithAddress(m, kind as 'phone' | 'email', bidx)
          : [];
      const cancelled = customers.length
        ? await this.cancelPendingTasks(m, customers, input.channel)
        : 0;
      await this.audit.record(
        {
          action: 'dnc.added',
          resourceType: 'DncEntry',
          resourceId: entry.id,
          changes: {
            channel: input.channel ?? 'all',
            scope: entry.scope,
            list: entry.list,
            customers: customers.length,
            tasksCancelled: cancelled,
          },
        },
        m,
      );
      return entry;
    };
    return inTransaction(this.dataSource, manager, run);
  }

  /**
   * Imports an external list (national/state DNC, reassigned numbers, litigators): each number is
   * normalized and stored only as its blind index; affected customers' pending call and SMS tasks
   * are cancelled, all in one transaction.
   */
  async importDncList(
    list: DncEntryEntity['list'],
    csv: string,
    createdBy: string,
  ): Promise<{ imported: number; skipped: number; tasksCancelled: number }> {
    const hashes = new Map<string, Buffer>();
    let skipped = 0;
    for (const line of csv.split(/\r?\n/)) {
      const cell = line.split(',')[0]?.trim();
      if (!cell) continue;
      const bidx = this.crypto.blindIndex('phone', cell);
      if (bidx) hashes.set(bidx.toString('hex'), bidx);
      else skipped++;
    }
    return this.dataSource.transaction(async (m) => {
      const bidxes = [...hashes.values()];
      const now = new Date();
      for (let i = 0; i < bidxes.length; i += 1000) {
        await m.getRepository(DncEntryEntity).insert(
          bidxes.slice(i, i + 1000).map((b) => ({
            id: uuidv7(),
            customerId: null,
            channel: null,
            scope: 'address' as const,
            addressKind: 'phone' as const,
            addressBidx: b,
            list,
            reason: null,
            source: `import:${list}`,
            createdBy,
            createdAt: now,
          })),
        );
      }
      let customers: string[] = [];
      for (let i = 0; i < bidxes.length; i += 1000) {
        const rows = await m.query<{ id: string }[]>(
          'SELECT id FROM customers WHERE phone_bidx IN (?) AND deleted_at IS NULL',
          [bidxes.slice(i, i + 1000)],
        );
        customers = customers.concat(rows.map((r) => r.id));
      }
      let tasksCancelled = 0;
      if (customers.length) {
        tasksCancelled += await this.cancelPendingTasks(m, customers, 'call');
        tasksCancelled += await this.cancelPendingTasks(m, customers, 'sms');
      }
      await this.audit.record(
        {
          action: 'dnc.imported',
          resourceType: 'DncEntry',
          resourceId: list,
          changes: {
            imported: bidxes.length,
            skipped,
            customers: customers.length,
            tasksCancelled,
          },
        },
        m,
      );
      return { imported: bidxes.length, skipped, tasksCancelled };
    });
  }

  /** Customers whose stored phone or email has this blind index (one indexed lookup). */
  async customersWithAddress(
    m: EntityManager,
    kind: 'phone' | 'email',
    bidx: Buffer,
  ): Promise<string[]> {
    const column = kind === 'phone' ? 'phone_bidx' : 'email_bidx';
    const rows = await m.query<{ id: string }[]>(
      `SELECT id FROM customers WHERE ${column} = ? AND deleted_at IS NULL`,
      [bidx],
    );
    return rows.map((r) => r.id);
  }

  /** Pending tasks of these customers on this channel (null: every channel) become cancelled. */
  async cancelPendingTasks(
    m: EntityManager,
    customerIds: string[],
    channel: ContactChannel | null,
  ): Promise<number> {
    const result = await m.query<{ affectedRows: number }>(
      `UPDATE tasks t JOIN campaigns k ON k.id = t.campaign_id
          SET t.status = 'cancelled', t.updated_at = NOW(3)
        WHERE t.customer_id IN (?) AND t.status = 'pending'${channel ? ' AND k.channel = ?' : ''}`,
      channel ? [customerIds, channel] : [customerIds],
    );
    return result.affectedRows;
  }

  /** Refusals by rule, each with its kind, so reports can tell the law's from house policy. */
  private async countRefusals(decisions: Decision[], channel: ContactChannel): Promise<void> {
    const counts = new Map<string, { kind: string; n: number }>();
    for (const d of decisions)
      for (const c of d.checks)
        if (!c.passed) {
          const entry = counts.get(c.rule) ?? { kind: c.kind, n: 0 };
          entry.n++;
          counts.set(c.rule, entry);
        }
    if (counts.size === 0) return;
    for (const [rule, { kind, n }] of counts)
      this.metrics.complianceRefusals.inc({ rule: rule.slice(0, 64), kind, channel }, n);
    const values = [...counts].map(() => '(CURRENT_DATE(), ?, ?, ?, ?)').join(', ');
    await this.dataSource.query(
      `INSERT INTO compliance_refusals (day, rule, kind, channel, count) VALUES ${values}
       ON DUPLICATE KEY UPDATE count = count + VALUES(count), kind = VALUES(kind)`,
      [...counts].flatMap(([rule, { kind, n }]) => [rule.slice(0, 64), kind, channel, n]),
    );
  }
}
