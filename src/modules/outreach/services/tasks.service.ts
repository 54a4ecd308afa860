import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AuditService } from '../../audit/audit.service';
import { ComplianceService } from '../../compliance/compliance.service';
import { ConsentSource } from '../../compliance';
import { TaskEntity, TaskOutcome, TaskStatus } from '../entities/task.entity';
import { OutreachAccessService } from '../outreach-access.service';
import { OutreachErrorCode, OutreachException } from '../outreach.exception';
import { redactSensitive } from '../utils/dlp';
import { ContactGateService } from './contact-gate.service';

const CONVERSATION_OUTCOMES = [
  TaskOutcome.Reached,
  TaskOutcome.PromiseToPay,
  TaskOutcome.Dispute,
  TaskOutcome.OptOutRequested,
];

/** Agents work tasks: start (compliance re-checked now), complete with an outcome; managers assign. */
@Injectable()
export class TasksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OutreachAccessService,
    private readonly compliance: ComplianceService,
    private readonly audit: AuditService,
    private readonly gate: ContactGateService,
  ) {}

  /**
   * A data subject's tasks with their notes decrypted, oldest first, for access and portability
   * exports (read only). Staff are other people: the assignee is `staff`, the team left out.
   */
  async tasksOfSubject(customerId: string, m?: EntityManager): Promise<Record<string, unknown>[]> {
    const rows = await (m ?? this.dataSource.manager)
      .getRepository(TaskEntity)
      .find({ where: { customerId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((t) => ({
      id: t.id,
      campaignId: t.campaignId,
      status: t.status,
      outcome: t.outcome,
      notes: t.notes,
      handledBy: t.assigneeId ? 'staff' : null,
      dueAt: t.dueAt,
      startedAt: t.startedAt,
      completedAt: t.completedAt,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    }));
  }

  async assign(ctx: RequestContext, taskId: string, agentId: string): Promise<TaskEntity> {
    const task = await this.access.getTask(ctx, taskId, 'update');
    const [agent] = await this.dataSource.query<{ id: string }[]>(
      "SELECT id FROM users WHERE id = ? AND role = 'agent' AND status = 'active' AND team_id = ?",
      [agentId, task.teamId],
    );
    if (!agent)
      throw new OutreachException(
        OutreachErrorCode.INVALID_ASSIGNEE,
        "The assignee must be an active agent of the campaign's team",
      );
    if (task.status !== TaskStatus.Pending)
      throw new OutreachException(
        OutreachErrorCode.INVALID_TASK_STATE,
        `A ${task.status} task cannot be reassigned`,
      );
    return this.dataSource.transaction(async (m) => {
      await m
        .getRepository(TaskEntity)
        .update({ id: task.id }, { assigneeId: agentId, updatedAt: new Date() });
      await this.audit.record(
        {
          action: 'task.assigned',
          resourceType: 'Task',
          resourceId: task.id,
          changes: { before: { assigneeId: task.assigneeId }, after: { assigneeId: agentId } },
        },
        m,
      );
      task.assigneeId = agentId;
      return task;
    });
  }

  /** Starting a task re-checks compliance now: time has passed since launch. */
  async start(ctx: RequestContext, taskId: string): Promise<TaskEntity> {
    const task = await this.access.getTask(ctx, taskId, 'update');
    if (task.status !== TaskStatus.Pending)
      throw new OutreachException(
        OutreachErrorCode.INVALID_TASK_STATE,
        `A ${task.status} task cannot be started`,
      );
    const { campaign, customer } = await this.gate.load(task);
    await this.dataSource.transaction(async (m) => {
      // A started call is a contact under way: decided under the customer's row lock, and only
      // one at a time per customer and channel (its attempt is logged when it completes, so a
      // second concurrent start would not see it in the caps).
      await this.gate.lockCustomer(m, customer.id);
      const [{ busy }] = await m.query<{ busy: string }[]>(
        `SELECT COUNT(*) AS busy FROM tasks t JOIN campaigns c ON c.id = t.campaign_id
          WHERE t.customer_id = ? AND t.status = ? AND c.channel = ?`,
        [customer.id, TaskStatus.InProgress, campaign.channel],
      );
      if (Number(busy) > 0)
        throw new OutreachException(
          OutreachErrorCode.CONTACT_NOT_ALLOWED,
          `Not allowed now: another ${campaign.channel} with this customer is under way`,
          { reasons: 'contact_in_progress', nextAllowedAt: 'after the other contact ends' },
        );
      const now = new Date();
      const allowed = await this.gate.assertAllowed(
        task,
        { campaign, customer },
        'task_start',
        now,
        m,
      );
      const result = await m.getRepository(TaskEntity).update(
        { id: task.id, status: TaskStatus.Pending },
        {
          status: TaskStatus.InProgress,
          startedAt: now,
          updatedAt: now,
          decisionId: allowed.decisionId,
          attemptId: allowed.attemptId,
        },
      );
      if ((result.affected ?? 0) !== 1)
        throw new OutreachException(
          OutreachErrorCode.INVALID_TASK_STATE,
          'The task changed meanwhile',
        );
    });
    task.status = TaskStatus.InProgress;
    return task;
  }

  /**
   * Completes a task: logs the contact attempt (it feeds the caps), keeps DLP-redacted notes, and
   * turns an opt-out request or a wrong number into a revocation or a ban at once.
   */
  async complete(
    ctx: RequestContext,
    taskId: string,
    outcome: TaskOutcome,
    notes?: string | null,
  ): Promise<{ task: TaskEntity; redactions: number }> {
    const task = await this.access.getTask(ctx, taskId, 'update');
    if (task.status !== TaskStatus.InProgress)
      throw new OutreachException(
        OutreachErrorCode.INVALID_TASK_STATE,
        `A ${task.status} task cannot be completed`,
      );
    const { campaign, customer } = await this.gate.load(task);
    const clean = notes ? redactSensitive(notes) : { text: null, redactions: 0 };
    return this.dataSource.transaction(async (m) => {
      const now = new Date();
      task.status = TaskStatus.Done;
      task.outcome = outcome;
      task.notes = clean.text;
      task.completedAt = now;
      task.updatedAt = now;
      await m.getRepository(TaskEntity).save(task);
      await this.compliance.recordAttempt(
        {
          customer,
          taskId: task.id,
          campaignId: campaign.id,
          agentId: ctx.principal.userId,
          channel: campaign.channel,
          purpose: campaign.purpose,
          occurredAt: task.startedAt ?? now,
          outcome,
          conversation: CONVERSATION_OUTCOMES.includes(outcome),
          id: task.attemptId ?? undefined,
          decisionId: task.decisionId,
          debtId: task.debtId,
        },
        m,
      );
      if (outcome === TaskOutcome.OptOutRequested) {
        // A verbal revocation: every purpose on this channel, recorded with the task as evidence.
        for (const purpose of ['collection', 'marketing'] as const) {
          await this.compliance.recordConsent(
            {
              customerId: customer.id,
              channel: campaign.channel,
              purpose,
              granted: false,
              source: ConsentSource.PhoneCall,
              evidence: { taskId: task.id },
              recordedBy: ctx.principal.id,
            },
            m,
          );
        }
      }
      if (outcome === TaskOutcome.WrongNumber && customer.phone) {
        await this.compliance.addDnc(
          {
            channel: null,
            address: customer.phone,
            source: 'agent',
            reason: 'wrong number',
            createdBy: ctx.principal.id,
          },
          m,
        );
      }
      await this.audit.record(
        {
          action: 'task.completed',
          resourceType: 'Task',
          resourceId: task.id,
          changes: { outcome, notesRedactions: clean.redactions },
        },
        m,
      );
      return { task, redactions: clean.redactions };
    });
  }
}
