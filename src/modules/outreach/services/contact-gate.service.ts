import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppException, ErrorCode } from '../../../core/errors/error-code';
import { CustomersService } from '../../customers/customers.service';
import { AuditService } from '../../audit/audit.service';
import { ComplianceService } from '../../compliance/compliance.service';
import { CustomerEntity } from '../../customers';
import { CampaignEntity } from '../entities/campaign.entity';
import { TaskEntity } from '../entities/task.entity';
import { OutreachErrorCode, OutreachException } from '../outreach.exception';

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

  /** Throws CONTACT_NOT_ALLOWED (reasons, next allowed time) after auditing `refusedAction`. */
  async assertAllowed(
    task: TaskEntity,
    { campaign, customer }: TaskContext,
    refusedAction: string,
    at: Date,
  ): Promise<void> {
    const decision = await this.compliance.evaluateContact(
      customer,
      {
        channel: campaign.channel,
        purpose: campaign.purpose,
        at,
        campaignWindow: { start: campaign.windowStart, end: campaign.windowEnd },
      },
      { gate: true },
    );
    if (decision.allowed) return;
    const reasons = decision.checks.filter((c) => !c.passed).map((c) => c.rule);
    await this.audit.record({
      action: refusedAction,
      resourceType: 'Task',
      resourceId: task.id,
      changes: { reasons },
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
