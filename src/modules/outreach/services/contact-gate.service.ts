import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AppException, ErrorCode } from '../../../core/errors/error-code';
import { CustomersService } from '../../customers/customers.service';
import { AuditService } from '../../audit/audit.service';
import { ComplianceService } from '../../compliance/compliance.service';
import { CustomerEntity } from '../../customers';
import { CampaignEntity } from '../entities/campaign.entity';
import { TaskEntity } from '../entities/task.entity';
import { OutreachErrorCode, OutreachException } from '../outreach.exception';

/** The gates a task's contact passes, and the audit action of a refusal at each. */
const REFUSED_ACTION = { task_start: 'task.start_refused', send: 'message.refused' } as const;
export type TaskGate = keyof typeof REFUSED_ACTION;

export interface TaskContext {
  campaign: CampaignEntity;
  customer: CustomerEntity;
}

/**
 * The compliance check every contact a task makes goes through (an agent starting a call, the
 * sender queueing a text or email): decided at the moment of contact, a refusal audited on the task.
 */
@Injectable()
export class ContactGateService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly compliance: ComplianceService,
    private readonly audit: AuditService,
    private readonly customers: CustomersService,
  ) {}

  async load(task: TaskEntity): Promise<TaskContext> {
    const campaign = await this.dataSource
      .getRepository(CampaignEntity)
      .findOneByOrFail({ id: task.campaignId });
    const customer = await this.customers.findById(task.customerId);
    if (!customer) throw new AppException(ErrorCode.NOT_FOUND, 'NOT_FOUND', 'Customer not found');
    return { campaign, customer };
  }

  /**
   * Serializes contact decisions for one customer until the transaction ends: the frequency caps
   * are counted limits, so the check and the attempt it allows must not interleave with another's.
   */
  async lockCustomer(m: EntityManager, customerId: string): Promise<void> {
    await this.customers.lockForUpdate(m, customerId);
  }

  /**
   * Decides a task's contact now and keeps the decision (see ComplianceService.decide). Allowed:
   * returns the decision's id and the id the attempt it authorises is to be logged under. Refused: audits the gate's refusal and throws
   * CONTACT_NOT_ALLOWED with the reasons and the next allowed time.
   */
  async assertAllowed(
    task: TaskEntity,
    { campaign, customer }: TaskContext,
    gate: TaskGate,
    at: Date,
    m: EntityManager,
  ): Promise<{ decisionId: string; attemptId: string }> {
    const attemptId = uuidv7();
    const { decision, decisionId } = await this.compliance.decide(
      customer,
      {
        channel: campaign.channel,
        purpose: campaign.purpose,
        at,
        campaignWindow: { start: campaign.windowStart, end: campaign.windowEnd },
        debtId: task.debtId,
      },
      {
        gate,
        customerId: customer.id,
        taskId: task.id,
        campaignId: campaign.id,
        attemptId,
      },
      m,
    );
    // An allowing decision is appended in `m`: the contact it allows commits with it or not at all.
    if (decision.allowed) return { decisionId, attemptId };
    const reasons = decision.checks.filter((c) => !c.passed).map((c) => c.rule);
    await this.audit.record({
      action: REFUSED_ACTION[gate],
      resourceType: 'Task',
      resourceId: task.id,
      changes: { reasons, decisionId },
    });
    throw new OutreachException(
      OutreachErrorCode.CONTACT_NOT_ALLOWED,
      `Not allowed now: ${reasons.join(', ')}`,
      {
        reasons: reasons.join(','),
        nextAllowedAt: decision.nextAllowedAt?.toISOString() ?? 'never',
      },
    );
  }
}
