import {
  Args,
  Field,
  Float,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from '@nestjs/graphql';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { actorOf } from '../audit';
import { RetentionService } from './retention.service';

@ObjectType('RetentionRule')
export class RetentionRuleDTO {
  @Field() rule!: string;
  @Field() description!: string;
  @Field(() => Int, { description: 'Kept this many days' }) days!: number;
  @Field({ description: 'delete, or anonymise (customers: erased, the row stays)' })
  action!: string;
  @Field() legalBasis!: string;
  @Field({ description: 'A disabled rule removes nothing' }) enabled!: boolean;
  @Field(() => Int, { description: 'The shortest period the law allows' }) floorDays!: number;
}

@InputType()
export class UpdateRetentionPolicyInput {
  @Field() @IsString() @MaxLength(64) @Matches(/^[a-z_.]+$/) rule!: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(36_500) days?: number;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(/\S/)
  legalBasis?: string;
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
  retentionPolicy(): Promise<RetentionRuleDTO[]> {
    return this.retention.policy();
  }

  @Allow('manage', 'RetentionPolicy')
  @RequireStepUp()
  @Mutation(() => RetentionRuleDTO, {
    description: 'Changes a retention policy (never under its legal floor); audited',
  })
  updateRetentionPolicy(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateRetentionPolicyInput,
  ): Promise<RetentionRuleDTO> {
    const { rule, ...given } = input;
    return this.retention.updatePolicy(actorOf(ctx), rule, {
      days: given.days ?? undefined,
      enabled: given.enabled ?? undefined,
      legalBasis: given.legalBasis ?? undefined,
    });
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
    return this.retention.run(actorOf(ctx));
  }
}
