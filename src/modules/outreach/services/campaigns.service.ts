import { subject } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { CustomersService } from '../../customers/customers.service';
import { DebtsService } from '../../customers/debts.service';
import { AuditService } from '../../audit/audit.service';
import { ComplianceService } from '../../compliance/compliance.service';
import { Audience, CampaignEntity, CampaignStatus, Channel } from '../entities/campaign.entity';
import { TaskEntity, TaskStatus } from '../entities/task.entity';
import { OutreachAccessService } from '../outreach-access.service';
import { OutreachErrorCode, OutreachException } from '../outreach.exception';
import { templateProblems } from '../utils/templates';
import { notSendableReason, registrationProblems } from '../../compliance';
import type { ContactRequest, Decision } from '../../compliance';
import { TenDlcService } from '../../compliance/services/ten-dlc.service';
import { mapAsync, readAhead } from '../../../core/async/read-ahead';
import { ThroughputService } from '../../compliance/services/throughput.service';
import type { SendEta } from '../../compliance';

/** The campaign life cycle: draft → scheduled → running ⇄ paused → completed, or cancelled. */
export const TRANSITIONS: Record<CampaignStatus, CampaignStatus[]> = {
  [CampaignStatus.Draft]: [CampaignStatus.Scheduled, CampaignStatus.Cancelled],
  [CampaignStatus.Scheduled]: [
    CampaignStatus.Running,
    CampaignStatus.Draft,
    CampaignStatus.Cancelled,
  ],
  [CampaignStatus.Running]: [
    CampaignStatus.Paused,
    CampaignStatus.Completed,
    CampaignStatus.Cancelled,
  ],
  [CampaignStatus.Paused]: [
    CampaignStatus.Running,
    CampaignStatus.Completed,
    CampaignStatus.Cancelled,
  ],
  [CampaignStatus.Completed]: [],
  [CampaignStatus.Cancelled]: [],
};

export interface CampaignInput {
  name: string;
  channel: Channel;
  purpose: 'collection' | 'marketing';
  audience: Audience;
  messageTemplate?: string | null;
  messagingCampaignId?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  windowStart?: string;
  windowEnd?: string;
  teamId?: string;
}

export interface Precheck {
  total: number;
  allowedNow: number;
  allowedLater: number;
  blocked: number;
  byReason: { rule: string; count: number }[];
  blockedCustomers: { customerId: string; reasons: string[] }[];
  /**
   * A launch only (a precheck leaves it empty): each customer who may be contacted before the
   * campaign ends, with their earliest legal time.
   */
  schedule: Map<string, Date>;
  /** A launch's gate only: the task each scheduled customer gets and the kept decision behind it. */
  admitted: Map<string, { taskId: string; decisionId: string }>;
  at: Date;
  /** A text campaign's sending time at its carriers' limits today (null: not a text campaign). */
  eta: SendEta | null;
}

const BLOCKED_LISTED = 200;

/** A precheck's counts and the first BLOCKED_LISTED blocked customers it names. */
class PrecheckTally {
  total = 0;
  allowedNow = 0;
  allowedLater = 0;
  readonly byReason = new Map<string, number>();
  readonly blockedCustomers: Precheck['blockedCustomers'] = [];
  // Why a decision blocks: decisions are shared by customers of one shape, so asked once each.
  private readonly reasonsOf = new Map<Decision, string[]>();

  /** `usable`: a legal time comes before the campaign ends (the customer would get a task). */
  constructor(readonly usable: (d: Decision) => boolean) {}

  blocks(d: Decision): boolean {
    return !d.allowed && !this.usable(d);
  }

  /** Counts `n` customers with decision `d`. */
  add(d: Decision, n = 1): void {
    this.total += n;
    if (d.allowed) this.allowedNow += n;
    else if (this.usable(d)) this.allowedLater += n;
    else for (const r of this.reasons(d)) this.byReason.set(r, (this.byReason.get(r) ?? 0) + n);
  }

  get listFull(): boolean {
    return this.blockedCustomers.length >= BLOCKED_LISTED;
  }

  /** Names the customer if `d` blocks it and fewer than BLOCKED_LISTED are named. */
  list(customerId: string, d: Decision): void {
    if (this.blocks(d) && !this.listFull)
      this.blockedCustomers.push({ customerId, reasons: [...this.reasons(d)] });
  }

  private reasons(d: Decision): string[] {
    let reasons = this.reasonsOf.get(d);
    if (!reasons) {
      reasons = d.checks.filter((c) => !c.passed).map((c) => c.rule);
      if (d.nextAllowedAt && !reasons.length) reasons.push('campaign_ends');
      if (this.reasonsOf.size >= 10_000) this.reasonsOf.clear();
      this.reasonsOf.set(d, reasons);
    }
    return reasons;
  }
}

/** Audience page size: memory stays bounded whatever the audience (a page and its facts). */
const AUDIENCE_PAGE = 10_000;

@Injectable()
export class CampaignsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OutreachAccessService,
    private readonly compliance: ComplianceService,
    private readonly audit: AuditService,
    private readonly tenDlc: TenDlcService,
    private readonly customers: CustomersService,
    private readonly debts: DebtsService,
    private readonly throughput: ThroughputService,
  ) {}

  async create(ctx: RequestContext, input: CampaignInput): Promise<CampaignEntity> {
    const teamId = input.teamId ?? ctx.principal.teamId;
    if (!teamId)
      throw new OutreachException(
        OutreachErrorCode.INVALID_AUDIENCE,
        'The campaign needs an owner team',
      );
    const campaign = this.dataSource.getRepository(CampaignEntity).create({
      id: uuidv7(),
      name: input.name,
      channel: input.channel,
      purpose: input.purpose,
      audience: normalizeAudience(input.audience),
      messageTemplate: input.messageTemplate ?? null,
      messagingCampaignId: input.messagingCampaignId ?? null,
      startsAt: input.startsAt ?? null,
      endsAt: input.endsAt ?? null,
      windowStart: input.windowStart ?? '09:00',
      windowEnd: input.windowEnd ?? '20:00',
      status: CampaignStatus.Draft,
      teamId,
      ownerId: ctx.principal.userId,
      launchedAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    // The caller's rules decide which teams they may create campaigns for (a manager: their own):
    // a permission, so FORBIDDEN, and before the input is looked at.
    if (!ctx.ability.can('create', subject('Campaign', { teamId }) as unknown as string)) {
      throw new OutreachException(
        OutreachErrorCode.FOREIGN_TEAM,
        'You may only create campaigns for your own team',
      );
    }
    this.assertValid(campaign);
    await this.assertSender(campaign);
    return this.dataSource.transaction(async (m) => {
      await m.getRepository(CampaignEntity).insert(campaign);
      await this.audit.record(
        {
          action: 'campaign.created',
          resourceType: 'Campaign',
          resourceId: campaign.id,
          changes: { after: { name: campaign.name, channel: campaign.channel, teamId } },
        },
        m,
      );
      return campaign;
    });
  }

  async update(
    ctx: RequestContext,
    id: string,
    patch: Partial<CampaignInput>,
  ): Promise<CampaignEntity> {
    return this.dataSource.transaction(async (m) => {
      const campaign = await this.lockOwned(ctx, id, m);
      if (campaign.status !== CampaignStatus.Draft) {
        throw new OutreachException(
          OutreachErrorCode.NOT_EDITABLE,
          'Only draft campaigns can be edited',
        );
      }
      const next = Object.assign(campaign, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.messageTemplate !== undefined ? { messageTemplate: patch.messageTemplate } : {}),
        ...(patch.messagingCampaignId !== undefined
          ? { messagingCampaignId: patch.messagingCampaignId }
          : {}),
        ...(patch.audience !== undefined ? { audience: normalizeAudience(patch.audience) } : {}),
        ...(patch.startsAt !== undefined ? { startsAt: patch.startsAt } : {}),
        ...(patch.endsAt !== undefined ? { endsAt: patch.endsAt } : {}),
        ...(patch.windowStart !== undefined ? { windowStart: patch.windowStart } : {}),
        ...(patch.windowEnd !== undefined ? { windowEnd: patch.windowEnd } : {}),
        updatedAt: new Date(),
      });
      this.assertValid(next);
      await this.assertSender(next, m);
      await m.getRepository(CampaignEntity).save(next);
      await this.audit.record(
        { action: 'campaign.updated', resourceType: 'Campaign', resourceId: id },
        m,
      );
      return next;
    });
  }

  async transition(ctx: RequestContext, id: string, to: CampaignStatus): Promise<CampaignEntity> {
    return this.dataSource.transaction(async (m) => {
      const campaign = await this.lockOwned(ctx, id, m);
      this.assertTransition(campaign.status, to);
      const from = campaign.status;
      campaign.status = to;
      campaign.updatedAt = new Date();
      await m
        .getRepository(CampaignEntity)
        .update({ id }, { status: to, updatedAt: campaign.updatedAt });
      if (to === CampaignStatus.Cancelled) {
        await m
          .getRepository(TaskEntity)
          .update(
            { campaignId: id, status: TaskStatus.Pending },
            { status: TaskStatus.Cancelled, updatedAt: new Date() },
          );
      }
      await this.audit.record(
        {
          action: 'campaign.status_changed',
          resourceType: 'Campaign',
          resourceId: id,
          changes: { before: { status: from }, after: { status: to } },
        },
        m,
      );
      return campaign;
    });
  }

  assertTransition(from: CampaignStatus, to: CampaignStatus): void {
    if (!TRANSITIONS[from].includes(to)) {
      throw new OutreachException(
        OutreachErrorCode.INVALID_TRANSITION,
        `A ${from} campaign cannot become ${to}`,
        { from, to },
      );
    }
  }

  /** The whole audience through the compliance engine in one batch (set-based queries). */
  async precheck(ctx: RequestContext, id: string): Promise<Precheck> {
    const campaign = await this.access.getCampaign(ctx, id);
    return this.precheckOf(campaign, { gate: false });
  }

  /**
   * The audience in keyset pages through the engine: one set-based batch per page, counts and the
   * schedule kept, customers and facts of a page dropped before the next is read. A launch
   * (`gate`) decides and keeps each customer's decision; a precheck decides each shape of
   * customers with no history once a page and keeps nothing (precheckPages).
   */
  async precheckOf(
    campaign: CampaignEntity,
    { gate, pageSize = AUDIENCE_PAGE }: { gate: boolean; pageSize?: number },
  ): Promise<Precheck> {
    const at = campaign.startsAt && campaign.startsAt > new Date() ? campaign.startsAt : new Date();
    const request: ContactRequest = {
      channel: campaign.channel,
      purpose: campaign.purpose,
      at,
      campaignWindow: { start: campaign.windowStart, end: campaign.windowEnd },
    };
    // A customer gets a task when a legal time comes before the campaign ends.
    const tally = new PrecheckTally(
      (d) => d.nextAllowedAt !== null && (!campaign.endsAt || d.nextAllowedAt < campaign.endsAt),
    );
    const schedule = new Map<string, Date>();
    const admitted = new Map<string, { taskId: string; decisionId: string }>();
    if (gate) await this.launchDecisions(campaign, request, pageSize, tally, schedule, admitted);
    else await this.precheckPages(campaign, request, pageSize, tally);
    const eta =
      campaign.channel === Channel.Sms && campaign.messagingCampaignId
        ? await this.throughput.eta(
            campaign.messagingCampaignId,
            tally.allowedNow + tally.allowedLater,
            at,
          )
        : null;
    return {
      total: tally.total,
      allowedNow: tally.allowedNow,
      allowedLater: tally.allowedLater,
      blocked: tally.total - tally.allowedNow - tally.allowedLater,
      byReason: [...tally.byReason]
        .map(([rule, count]) => ({ rule, count }))
        .sort((a, b) => b.count - a.count),
      blockedCustomers: tally.blockedCustomers,
      schedule,
      admitted,
      at,
      eta,
    };
  }

  /**
   * A launch's decisions, page by page: each kept (DecisionRecordsService) and committed while
   * the next page is read and decided (one in flight); the allowed ones scheduled and admitted.
   */
  private async launchDecisions(
    campaign: CampaignEntity,
    request: ContactRequest,
    pageSize: number,
    tally: PrecheckTally,
    schedule: Map<string, Date>,
    admitted: Map<string, { taskId: string; decisionId: string }>,
  ): Promise<void> {
    let keeping: Promise<void> = Promise.resolve();
    for await (const { subjects, slice } of readAhead(this.audienceSlices(campaign, pageSize))) {
      const decided = await this.compliance.decideBatch(
        subjects,
        request,
        { campaignId: campaign.id, admit: (d) => (tally.usable(d) ? uuidv7() : null) },
        slice,
      );
      const decisions = decided.decisions;
      await keeping;
      keeping = decided.kept.then((ids) => {
        for (const [customerId, decisionId] of ids) {
          const taskId = decisions.get(customerId)?.taskId;
          if (taskId) admitted.set(customerId, { taskId, decisionId });
        }
      });
      keeping.catch(() => undefined);
      for (const [customerId, { decision }] of decisions) {
        tally.add(decision);
        if (tally.usable(decision) && decision.nextAllowedAt)
          schedule.set(customerId, decision.nextAllowedAt);
        tally.list(customerId, decision);
      }
    }
    // Every decision is kept before any task it admits is written.
    await keeping;
  }

  /**
   * A precheck, page by page: each page's customers (plain rows of what the facts read) and their
   * facts read one page ahead, joined to the page in SQL; a customer with no history on file has
   * the decision of its shape, decided once a page (ComplianceService.evaluatePage). Nothing is
   * kept: each decision is counted, and named among the blocked in id order, as it is made.
   */
  private async precheckPages(
    campaign: CampaignEntity,
    request: ContactRequest,
    pageSize: number,
    tally: PrecheckTally,
  ): Promise<void> {
    const pages = readAhead(
      mapAsync(this.audienceSlices(campaign, pageSize), (p) => {
        const facts = this.compliance.pageFacts(p.subjects, request, p.slice);
        // Awaited when its page is decided; if an earlier page fails first, it never is, and its
        // failure must not surface as an unhandled rejection.
        facts.catch(() => undefined);
        // In an object: an async generator would await a promise it yields, reading no page ahead.
        return { facts };
      }),
    );
    for await (const { facts } of pages)
      await this.compliance.evaluatePage(await facts, (customerId, decision) => {
        tally.add(decision);
        tally.list(customerId, decision);
      });
  }

  /**
   * Launch: precheck, then one task per allowed customer due at its earliest legal time, assigned
   * round-robin to the team's active agents; blocked customers get no task and are reported.
   */
  async launch(
    ctx: RequestContext,
    id: string,
  ): Promise<{ campaign: CampaignEntity; precheck: Precheck; tasksCreated: number }> {
    const campaign = await this.access.getCampaign(ctx, id, 'update');
    if (campaign.status !== CampaignStatus.Draft && campaign.status !== CampaignStatus.Scheduled) {
      throw new OutreachException(
        OutreachErrorCode.INVALID_TRANSITION,
        `A ${campaign.status} campaign cannot be launched`,
      );
    }
    const problems = templateProblems(campaign.channel, campaign.purpose, campaign.messageTemplate);
    if (problems.length)
      throw new OutreachException(OutreachErrorCode.INVALID_TEMPLATE, problems.join('; '));
    const precheck = await this.precheckOf(campaign, { gate: true });
    return this.dataSource.transaction(async (m) => {
      const locked = await this.lockOwned(ctx, id, m);
      // Texts go out only under a registration the carriers approved, checked under the lock.
      await this.assertSender(locked, m, true);
      const to =
        locked.startsAt && locked.startsAt > new Date()
          ? CampaignStatus.Scheduled
          : CampaignStatus.Running;
      // Launching walks the machine: draft → scheduled, then → running once the start has come.
      if (locked.status !== CampaignStatus.Scheduled) {
        this.assertTransition(locked.status, CampaignStatus.Scheduled);
      }
      if (to === CampaignStatus.Running)
        this.assertTransition(CampaignStatus.Scheduled, CampaignStatus.Running);
      const agents = await m.query<{ id: string }[]>(
        "SELECT id FROM users WHERE team_id = ? AND role = 'agent' AND status = 'active' ORDER BY id",
        [locked.teamId],
      );
      const now = new Date();
      const tasks: TaskEntity[] = [];
      let i = 0;
      // A debt campaign (its audience names debt statuses): one task per such debt, naming it;
      // the customer's first one is the task the launch decision named.
      const debtStatuses = locked.audience?.debtStatuses;
      const debtsOf = debtStatuses?.length
        ? await this.debts.debtIdsByCustomer([...precheck.schedule.keys()], debtStatuses, m)
        : null;
      for (const [customerId, dueAt] of precheck.schedule) {
        const kept = precheck.admitted.get(customerId);
        const debtIds = debtsOf ? (debtsOf.get(customerId) ?? []) : [null];
        debtIds.forEach((debtId, n) =>
          tasks.push(
            m.getRepository(TaskEntity).create({
              id: (n === 0 ? kept?.taskId : undefined) ?? uuidv7(),
              decisionId: kept?.decisionId ?? null,
              campaignId: id,
              customerId,
              debtId,
              assigneeId: agents.length ? agents[i++ % agents.length].id : null,
              teamId: locked.teamId,
              status: TaskStatus.Pending,
              dueAt,
              outcome: null,
              startedAt: null,
              completedAt: null,
              createdAt: now,
              updatedAt: now,
            }),
          ),
        );
      }
      for (let k = 0; k < tasks.length; k += 1000)
        await m.getRepository(TaskEntity).insert(tasks.slice(k, k + 1000));
      await m
        .getRepository(CampaignEntity)
        .update({ id }, { status: to, launchedAt: now, updatedAt: now });
      locked.status = to;
      locked.launchedAt = now;
      await this.audit.record(
        {
          action: 'campaign.launched',
          resourceType: 'Campaign',
          resourceId: id,
          changes: {
            total: precheck.total,
            tasksCreated: tasks.length,
            blocked: precheck.blocked,
            status: to,
          },
        },
        m,
      );
      return { campaign: locked, precheck, tasksCreated: tasks.length };
    });
  }

  /**
   * The audience, set-based over clear columns (state, balance, tags, status), in id order pages:
   * each page's customers as the compliance facts read them, and the page as SQL.
   */
  audienceSlices(campaign: CampaignEntity, pageSize = AUDIENCE_PAGE) {
    return this.customers.audienceSlices(campaign.audience ?? {}, pageSize);
  }

  private assertValid(c: CampaignEntity): void {
    const problems = templateProblems(c.channel, c.purpose, c.messageTemplate);
    if (problems.length)
      throw new OutreachException(OutreachErrorCode.INVALID_TEMPLATE, problems.join('; '));
    if (c.startsAt && c.endsAt && c.startsAt >= c.endsAt)
      throw new OutreachException(
        OutreachErrorCode.INVALID_AUDIENCE,
        'startsAt must be before endsAt',
      );
    if (c.windowStart >= c.windowEnd)
      throw new OutreachException(
        OutreachErrorCode.INVALID_AUDIENCE,
        'windowStart must be before windowEnd',
      );
  }

  /**
   * An SMS campaign names the 10DLC campaign it sends under, and its text must fit what was
   * registered; other channels name none. With `sending`, the registration must also be live now.
   */
  private async assertSender(c: CampaignEntity, m?: EntityManager, sending = false): Promise<void> {
    if (c.channel !== Channel.Sms) {
      if (c.messagingCampaignId)
        throw new OutreachException(
          OutreachErrorCode.INVALID_SENDER,
          'Only SMS campaigns send under a 10DLC campaign',
        );
      return;
    }
    if (!c.messagingCampaignId)
      throw new OutreachException(
        OutreachErrorCode.INVALID_SENDER,
        'SMS campaigns need the 10DLC campaign they send under (messagingCampaignId)',
      );
    const reg = await this.tenDlc.registration(c.messagingCampaignId, m);
    if (!reg)
      throw new OutreachException(OutreachErrorCode.INVALID_SENDER, 'Unknown 10DLC campaign');
    if (reg.campaign.status === 'rejected' || reg.campaign.status === 'expired')
      throw new OutreachException(
        OutreachErrorCode.INVALID_SENDER,
        `The 10DLC campaign is ${reg.campaign.status}`,
      );
    const problems = registrationProblems(c.messageTemplate ?? '', c.purpose, reg);
    if (problems.length)
      throw new OutreachException(OutreachErrorCode.INVALID_TEMPLATE, problems.join('; '));
    const blocked = sending ? notSendableReason(reg) : null;
    if (blocked)
      throw new OutreachException(OutreachErrorCode.SENDER_NOT_ACTIVE, `Cannot send: ${blocked}`);
  }

  private async lockOwned(
    ctx: RequestContext,
    id: string,
    m: EntityManager,
  ): Promise<CampaignEntity> {
    const visible = await this.access.getCampaign(ctx, id, 'update');
    const locked = await m
      .getRepository(CampaignEntity)
      .findOne({ where: { id: visible.id }, lock: { mode: 'pessimistic_write' } });
    if (!locked) throw new OutreachException(OutreachErrorCode.NOT_EDITABLE, 'Campaign vanished');
    return locked;
  }
}

function normalizeAudience(a: Audience): Audience {
  const out: Audience = {};
  if (a.states?.length) out.states = [...new Set(a.states.map((s) => s.toUpperCase()))];
  if (a.tags?.length) out.tags = [...new Set(a.tags)];
  if (a.statuses?.length) out.statuses = [...new Set(a.statuses)];
  if (a.customerIds?.length) out.customerIds = [...new Set(a.customerIds)];
  if (a.minBalance) out.minBalance = a.minBalance;
  if (a.maxBalance) out.maxBalance = a.maxBalance;
  if (a.debtStatuses?.length) out.debtStatuses = [...new Set(a.debtStatuses)];
  if (!Object.keys(out).length)
    throw new OutreachException(
      OutreachErrorCode.INVALID_AUDIENCE,
      'Give at least one audience filter or a customer list',
    );
  return out;
}
