import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AuditService } from '../../audit/audit.service';
import { ComplianceService } from '../../compliance/compliance.service';
import { UnsubscribeService } from '../../compliance/services/unsubscribe.service';
import { CustomerEntity } from '../../customers';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';
import { Channel } from '../entities/campaign.entity';
import { TaskEntity, TaskOutcome, TaskStatus } from '../entities/task.entity';
import { OutreachAccessService } from '../outreach-access.service';
import { OutreachErrorCode, OutreachException } from '../outreach.exception';
import { ContactGateService } from './contact-gate.service';
import { messageContext, notSendableReason, screenContent, worstSeverity } from '../../compliance';
import { TenDlcService } from '../../compliance/services/ten-dlc.service';

/**
 * Sends a text or email campaign's message for one task. The compliance engine is the last gate:
 * it decides at the moment of sending, and a refused message is neither queued nor counted.
 */
@Injectable()
export class OutboundService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OutreachAccessService,
    private readonly notifications: NotificationsService,
    private readonly unsubscribe: UnsubscribeService,
    private readonly audit: AuditService,
    private readonly gate: ContactGateService,
    private readonly tenDlc: TenDlcService,
    private readonly compliance: ComplianceService,
  ) {}

  async sendForTask(ctx: RequestContext, taskId: string): Promise<TaskEntity> {
    const task = await this.access.getTask(ctx, taskId, 'update');
    if (task.status !== TaskStatus.Pending) {
      throw new OutreachException(
        OutreachErrorCode.INVALID_TASK_STATE,
        `A ${task.status} task cannot be sent`,
      );
    }
    const { campaign, customer } = await this.gate.load(task);
    if (campaign.channel === Channel.Call) {
      throw new OutreachException(
        OutreachErrorCode.INVALID_TASK_STATE,
        'Call tasks are worked by an agent (startTask), not sent',
      );
    }
    const to = campaign.channel === Channel.Email ? customer.email : customer.phone;
    if (!to)
      throw new OutreachException(
        OutreachErrorCode.INVALID_CUSTOMER,
        `The customer has no ${campaign.channel === Channel.Email ? 'email address' : 'phone number'}`,
      );

    const reg =
      campaign.channel === Channel.Sms
        ? await this.assertSenderActive(campaign.messagingCampaignId)
        : null;
    const now = new Date();
    const body = this.render(campaign.messageTemplate ?? '', customer);
    // The message as it would leave, screened before it is queued (and again before it is sent).
    const findings = screenContent(
      body,
      messageContext(campaign.channel === Channel.Email ? 'email' : 'sms', reg?.campaign),
    );
    const worst = worstSeverity(findings);
    if (worst === 'block') {
      const rules = findings.filter((f) => f.severity === 'block').map((f) => f.rule);
      await this.audit.record({
        action: 'message.content_blocked',
        resourceType: 'Task',
        resourceId: task.id,
        changes: { channel: campaign.channel, campaignId: campaign.id, rules },
      });
      throw new OutreachException(
        OutreachErrorCode.CONTENT_BLOCKED,
        `The message cannot be sent: ${findings
          .filter((f) => f.severity === 'block')
          .map((f) => f.detail)
          .join('; ')}`,
        { rules: rules.join(',') },
      );
    }
    return this.dataSource.transaction(async (m) => {
      // The caps count attempts: check and record under the customer's row lock, so concurrent
      // sends to one customer are decided one after the other, each seeing the last one's attempt.
      await this.gate.lockCustomer(m, customer.id);
      const allowed = await this.gate.assertAllowed(task, { campaign, customer }, 'send', now, m);
      // A text leaves from the consumer's sticky number in the 10DLC campaign's pool.
      const from =
        campaign.channel === Channel.Sms
          ? await this.tenDlc.senderFor(m, customer.id, campaign.messagingCampaignId!)
          : null;
      if (campaign.channel === Channel.Sms && !from)
        throw new OutreachException(
          OutreachErrorCode.SENDER_NOT_ACTIVE,
          'Cannot send: the 10DLC campaign has no active sender number',
        );
      const claimed = await m.getRepository(TaskEntity).update(
        { id: task.id, status: TaskStatus.Pending },
        {
          status: TaskStatus.Done,
          outcome: TaskOutcome.Sent,
          startedAt: now,
          completedAt: now,
          updatedAt: now,
        },
      );
      if ((claimed.affected ?? 0) !== 1)
        throw new OutreachException(
          OutreachErrorCode.INVALID_TASK_STATE,
          'The task changed meanwhile',
        );
      await this.notifications.enqueue(
        campaign.channel === Channel.Email ? NotificationChannel.Email : NotificationChannel.Sms,
        `campaign:${campaign.id}`,
        to,
        body,
        m,
        {
          customerId: customer.id,
          purpose: campaign.purpose,
          decisionId: allowed.decisionId,
          // Content a person must look at first: queued held, with its review.
          holdFor: worst === 'review' ? findings : undefined,
          from,
          messagingCampaignId:
            campaign.channel === Channel.Sms ? campaign.messagingCampaignId : null,
        },
      );
      await this.compliance.recordAttempt(
        {
          customer,
          taskId: task.id,
          campaignId: campaign.id,
          agentId: ctx.principal.userId,
          channel: campaign.channel,
          purpose: campaign.purpose,
          occurredAt: now,
          outcome: TaskOutcome.Sent,
          id: allowed.attemptId,
          decisionId: allowed.decisionId,
          debtId: task.debtId,
        },
        m,
      );
      await this.audit.record(
        {
          action: 'message.sent',
          resourceType: 'Task',
          resourceId: task.id,
          changes: {
            channel: campaign.channel,
            campaignId: campaign.id,
            ...(worst === 'review' ? { heldForReview: findings.map((f) => f.rule) } : {}),
          },
        },
        m,
      );
      task.status = TaskStatus.Done;
      task.outcome = TaskOutcome.Sent;
      return task;
    });
  }

  /**
   * A carrier suspension takes effect at the next message, not at the next launch. Returns the
   * registration, whose limits (links, numbers) the screening applies.
   */
  private async assertSenderActive(messagingCampaignId: string | null) {
    const reg = messagingCampaignId ? await this.tenDlc.registration(messagingCampaignId) : null;
    const blocked = reg ? notSendableReason(reg) : 'the campaign names no 10DLC campaign';
    if (!reg || blocked)
      throw new OutreachException(OutreachErrorCode.SENDER_NOT_ACTIVE, `Cannot send: ${blocked}`);
    return reg;
  }

  /** Fills the template's placeholders; emails get their signed one-click unsubscribe link. */
  private render(template: string, c: CustomerEntity): string {
    const values: Record<string, string> = {
      first_name: c.firstName ?? '',
      balance: `$${c.balance}`,
      account_last4: (c.accountRef ?? '').slice(-4),
      unsubscribe_link: this.unsubscribe.link(c.id),
      agency_phone: '(800) 555-0100',
    };
    return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_m, key: string) => values[key] ?? '');
  }
}
