import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { loaderFor } from '../../core/graphql/loaders';
import { CustomerAccessService } from '../customers/customer-access.service';
import { CustomerDTO } from '../customers';
import { CustomerEntity } from '../customers';
import { CampaignDTO, IdArgs, TaskDTO, TaskPageDTO, TasksArgs } from './dto/outreach.dto';
import { CampaignEntity } from './entities/campaign.entity';
import { TaskEntity } from './entities/task.entity';
import { OutreachAccessService } from './outreach-access.service';

type Req = { cw: RequestContext };

@Resolver(() => TaskDTO)
export class TasksResolver {
  constructor(
    private readonly outreach: OutreachAccessService,
    private readonly customers: CustomerAccessService,
  ) {}

  @Allow('read', 'Task')
  @Query(() => TaskPageDTO, { description: 'Tasks the caller may see (an agent: their own)' })
  tasks(@Ctx() ctx: RequestContext, @Args() args: TasksArgs): Promise<TaskPageDTO> {
    return this.outreach.listTasks(ctx, args.filter ?? {}, args.first, args.after);
  }

  @Allow('read', 'Task')
  @Query(() => TaskDTO)
  task(@Ctx() ctx: RequestContext, @Args() args: IdArgs): Promise<TaskDTO> {
    return this.outreach.getTask(ctx, args.id);
  }

  /** Null when the caller may not see the customer (row rules apply on nested paths too). */
  @ResolveField(() => CustomerDTO, { nullable: true })
  customer(@Parent() task: TaskEntity, @Context('req') req: Req): Promise<CustomerEntity | null> {
    return loaderFor(req, 'customersById', (ids) => this.customers.byIds(req.cw, ids)).load(
      task.customerId,
    );
  }

  @ResolveField(() => CampaignDTO, { nullable: true })
  campaign(@Parent() task: TaskEntity, @Context('req') req: Req): Promise<CampaignEntity | null> {
    return loaderFor(req, 'campaignsById', (ids) => this.outreach.campaignsByIds(req.cw, ids)).load(
      task.campaignId,
    );
  }
}
