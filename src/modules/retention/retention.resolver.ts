import { Field, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { ActorType } from '../audit/entities/audit-event.entity';
import { RetentionService } from './retention.service';

@ObjectType('RetentionRule')
export class RetentionRuleDTO {
  @Field() rule!: string;
  @Field() description!: string;
  @Field(() => Int, { description: 'Kept this many days' }) days!: number;
}

@ObjectType('RetentionResult')
export class RetentionResultDTO extends RetentionRuleDTO {
  @Field(() => Int) removed!: number;
}

@ObjectType('RetentionReport')
export class RetentionReportDTO {
  @Field() ranAt!: Date;
  @Field(() => [RetentionResultDTO]) results!: RetentionResultDTO[];
}

@Resolver()
export class RetentionResolver {
  constructor(private readonly retention: RetentionService) {}

  @Allow('read', 'RetentionPolicy')
  @Query(() => [RetentionRuleDTO], { description: 'What the retention purge removes, and when' })
  retentionPolicy(): RetentionRuleDTO[] {
    return this.retention.policy();
  }

  @Allow('manage', 'RetentionPolicy')
  @RequireStepUp()
  @Mutation(() => RetentionReportDTO, {
    description: 'Runs the retention purge now (it also runs on RETENTION_CRON); audited',
  })
  runRetentionPurge(@Ctx() ctx: RequestContext): Promise<RetentionReportDTO> {
    return this.retention.run({
      type: ctx.principal.type === 'api_key' ? ActorType.ApiKey : ActorType.User,
      id: ctx.principal.id,
      role: ctx.principal.role,
    });
  }
}
