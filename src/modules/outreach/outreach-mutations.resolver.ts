import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { ComplianceService } from '../compliance/compliance.service';
import { CustomerAccessService } from '../customers/customer-access.service';
import { CampaignDTO, TaskDTO } from './dto/outreach.dto';
import {
  AssignTaskInput,
  CampaignIdInput,
  CampaignLaunchDTO,
  CampaignPrecheckDTO,
  CompleteTaskInput,
  ContactAttemptDTO,
  CreateCampaignInput,
  TaskIdInput,
  TransitionCampaignInput,
  UpdateCampaignInput,
} from './dto/outreach-input.dto';
import { CampaignsService, Precheck } from './services/campaigns.service';
import { TasksService } from './services/tasks.service';
import { OutboundService } from './services/outbound.service';

function toPrecheckDTO(p: Precheck): CampaignPrecheckDTO {
  return {
    total: p.total,
    allowedNow: p.allowedNow,
    allowedLater: p.allowedLater,
    blocked: p.blocked,
    byReason: p.byReason,
    blockedCustomers: p.blockedCustomers,
    evaluatedAt: p.at,
    sendEta: p.eta,
  };
}

@Resolver()
export class OutreachMutationsResolver {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly tasks: TasksService,
    private readonly outbound: OutboundService,
    private readonly customers: CustomerAccessService,
    private readonly compliance: ComplianceService,
  ) {}

  @Allow('create', 'Campaign')
  @Mutation(() => CampaignDTO)
  async createCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CreateCampaignInput,
  ): Promise<CampaignDTO> {
    return await this.campaigns.create(ctx, input);
  }

  @Allow('update', 'Campaign')
  @Mutation(() => CampaignDTO, { description: 'Drafts only' })
  async updateCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateCampaignInput,
  ): Promise<CampaignDTO> {
    return await this.campaigns.update(ctx, input.id, input);
  }

  @Allow('update', 'Campaign')
  @Mutation(() => CampaignDTO, {
    description: 'draft → scheduled → running ⇄ paused → completed, or cancelled',
  })
  async transitionCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: TransitionCampaignInput,
  ): Promise<CampaignDTO> {
    return await this.campaigns.transition(ctx, input.id, input.to);
  }

  @Allow('read', 'Campaign')
  @Query(() => CampaignPrecheckDTO, {
    description: 'The whole audience through the compliance engine; writes nothing',
  })
  async precheckCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CampaignIdInput,
  ): Promise<CampaignPrecheckDTO> {
    const precheck = await this.campaigns.precheck(ctx, input.id);
    return toPrecheckDTO({
      ...precheck,
      blockedCustomers: await this.visibleBlocked(ctx, precheck.blockedCustomers),
    });
  }

  /**
   * Counts are the campaign's, which the caller may read; who is blocked and why is customer data
   * (the reasons tell consent and do-not-contact status). Only customers the caller may open are
   * named (the row rules of `customer`), and only to a caller who may read consents and
   * do-not-contact entries.
   */
  private async visibleBlocked(
    ctx: RequestContext,
    blocked: Precheck['blockedCustomers'],
  ): Promise<Precheck['blockedCustomers']> {
    if (blocked.length === 0) return blocked;
    if (!ctx.ability.can('read', 'Consent') || !ctx.ability.can('read', 'DncEntry')) return [];
    const visible = await this.customers.byIds(
      ctx,
      blocked.map((b) => b.customerId),
    );
    return blocked.filter((_, i) => visible[i] !== null);
  }

  @Allow('update', 'Campaign')
  @Mutation(() => CampaignLaunchDTO, {
    description: 'Creates tasks for allowed customers at their earliest legal time',
  })
  async launchCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CampaignIdInput,
  ): Promise<CampaignLaunchDTO> {
    const r = await this.campaigns.launch(ctx, input.id);
    return {
      campaignId: r.campaign.id,
      status: r.campaign.status,
      tasksCreated: r.tasksCreated,
      precheck: toPrecheckDTO({
        ...r.precheck,
        blockedCustomers: await this.visibleBlocked(ctx, r.precheck.blockedCustomers),
      }),
    };
  }

  @Allow('update', 'Task')
  @Mutation(() => TaskDTO)
  assignTask(@Ctx() ctx: RequestContext, @Args('input') input: AssignTaskInput): Promise<TaskDTO> {
    return this.tasks.assign(ctx, input.taskId, input.agentId);
  }

  @Allow('update', 'Task')
  @Mutation(() => TaskDTO, {
    description: 'Re-checks compliance now; refused with the reasons and the next legal time',
  })
  startTask(@Ctx() ctx: RequestContext, @Args('input') input: TaskIdInput): Promise<TaskDTO> {
    return this.tasks.start(ctx, input.taskId);
  }

  @Allow('update', 'Task')
  @Mutation(() => TaskDTO, {
    description: 'Logs the contact attempt; opt-out and wrong number take effect at once',
  })
  async completeTask(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CompleteTaskInput,
  ): Promise<TaskDTO> {
    return (await this.tasks.complete(ctx, input.taskId, input.outcome, input.notes)).task;
  }

  @Allow('update', 'Task')
  @Mutation(() => TaskDTO, {
    description: 'Sends a text or email task; compliance is the last gate, at send time',
  })
  sendTaskMessage(@Ctx() ctx: RequestContext, @Args('input') input: TaskIdInput): Promise<TaskDTO> {
    return this.outbound.sendForTask(ctx, input.taskId);
  }

  @Allow('read', 'Customer')
  @Query(() => [ContactAttemptDTO], { description: "A customer's contact attempts, newest first" })
  async contactAttempts(
    @Ctx() ctx: RequestContext,
    @Args('customerId') customerId: string,
  ): Promise<ContactAttemptDTO[]> {
    const customer = await this.customers.get(ctx, customerId);
    return this.compliance.contactAttempts(customer.id);
  }
}
