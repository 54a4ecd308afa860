import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { loaderFor } from '../../core/graphql/loaders';
import { CampaignDTO, CampaignPageDTO, IdArgs, PageArgs, TaskDTO } from './dto/outreach.dto';
import { CampaignEntity } from './entities/campaign.entity';
import { TaskEntity } from './entities/task.entity';
import { OutreachAccessService } from './outreach-access.service';

type Req = { cw: RequestContext };

@Resolver(() => CampaignDTO)
export class CampaignsResolver {
  constructor(private readonly outreach: OutreachAccessService) {}

  @Allow('read', 'Campaign')
  @Query(() => CampaignPageDTO)
  campaigns(@Ctx() ctx: RequestContext, @Args() args: PageArgs): Promise<CampaignPageDTO> {
    return this.outreach.listCampaigns(ctx, args.first, args.after);
  }

  @Allow('read', 'Campaign')
  @Query(() => CampaignDTO)
  async campaign(@Ctx() ctx: RequestContext, @Args() args: IdArgs): Promise<CampaignDTO> {
    return await this.outreach.getCampaign(ctx, args.id);
  }

  @ResolveField(() => String, { description: 'The audience filter, as JSON' })
  audienceJson(@Parent() campaign: CampaignEntity): string {
    return JSON.stringify(campaign.audience ?? {});
  }

  @ResolveField(() => [TaskDTO], { description: 'The tasks of this campaign the caller may see' })
  tasks(@Parent() campaign: CampaignEntity, @Context('req') req: Req): Promise<TaskEntity[]> {
    return loaderFor(req, 'tasksByCampaign', (ids) =>
      this.outreach.tasksBy(req.cw, 'campaign_id', ids),
    ).load(campaign.id);
  }
}
