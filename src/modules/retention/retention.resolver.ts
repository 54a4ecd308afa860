import { Field, Float, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { ActorType } from '../audit';
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
  @Field(() => Int, {
    description: 'Records it could not remove (each audited as retention.customer_skipped)',
  })
  skipped!: number;
  @Field(() => Int, { description: 'Key ranges (or customers) worked' }) batches!: number;
  @Field(() => Float, {
    description: 'The slowest batch, in milliseconds (how long locks were held)',
  })
  slowestBatchMs!: number;
}

@ObjectType('RetentionPreview', { description: 'What a purge now would remove (a dry run)' })
export class RetentionPreviewDTO extends RetentionRuleDTO {
  @Field(() => Int) wouldRemove!: number;
}

@ObjectType('RetentionInterruptedRun', {
  description: 'An earlier purge that died or failed before it finished',
})
export class RetentionInterruptedRunDTO {
  @Field(() => Int) id!: number;
  @Field() startedAt!: Date;
}

@ObjectType('RetentionReport')
export class RetentionReportDTO {
  @Field(() => Int, { description: 'This run (retention_runs, and its audit events)' })
  runId!: number;
  @Field() ranAt!: Date;
  @Field(() => [RetentionResultDTO]) results!: RetentionResultDTO[];
  @Field(() => [RetentionInterruptedRunDTO], {
    description: 'Earlier runs this one found unfinished and closed as interrupted (audited)',
  })
  interruptedRuns!: RetentionInterruptedRunDTO[];
}

@Resolver()
export class RetentionResolver {
  constructor(private readonly retention: RetentionService) {}

  @Allow('read', 'RetentionPolicy')
  @Query(() => [RetentionRuleDTO], { description: 'What the retention purge removes, and when' })
  retentionPolicy(): RetentionRuleDTO[] {
    return this.retention.policy();
  }

  @Allow('read', 'RetentionPolicy')
  @Query(() => [RetentionPreviewDTO], {
    description: 'A dry run: what the purge would remove now, rule by rule; removes nothing',
  })
  async retentionPreview(): Promise<RetentionPreviewDTO[]> {
    return (await this.retention.preview()).map(({ removed, ...rule }) => ({
      ...rule,
      wouldRemove: removed,
    }));
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
