import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { PiiField } from '../../../core/authorization/pii-field';
import { Paginated } from '../../../core/graphql/paginated';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { CampaignStatus, Channel } from '../entities/campaign.entity';
import { TaskOutcome, TaskStatus } from '../entities/task.entity';

registerEnumType(Channel, { name: 'Channel' });
registerEnumType(CampaignStatus, { name: 'CampaignStatus' });
registerEnumType(TaskStatus, { name: 'TaskStatus' });
registerEnumType(TaskOutcome, { name: 'TaskOutcome' });

@ObjectType('Campaign')
export class CampaignDTO {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => CampaignStatus) status!: CampaignStatus;
  @Field() purpose!: string;
  @Field(() => String, { nullable: true }) messageTemplate!: string | null;
  @Field(() => ID, { nullable: true }) messagingCampaignId!: string | null;
  @Field(() => Date, { nullable: true }) startsAt!: Date | null;
  @Field(() => Date, { nullable: true }) endsAt!: Date | null;
  @Field() windowStart!: string;
  @Field() windowEnd!: string;
  @Field(() => Date, { nullable: true }) launchedAt!: Date | null;
  @Field() teamId!: string;
  @Field(() => ID) ownerId!: string;
  @Field() createdAt!: Date;
}

@ObjectType('Task')
export class TaskDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) campaignId!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => ID, { nullable: true, description: 'The debt the contact is about' })
  debtId!: string | null;
  @Field(() => ID, { nullable: true }) assigneeId!: string | null;
  @Field() teamId!: string;
  @Field(() => TaskStatus) status!: TaskStatus;
  @Field(() => TaskOutcome, { nullable: true }) outcome!: TaskOutcome | null;
  /**
   * Free text: personal data by nature, so masked unless the role may `readPii` task notes; a full
   * read is logged against the task's customer.
   */
  @PiiField(
    'Task',
    'text',
    'Redacted of card numbers and SSNs; masked for roles without access',
    'customerId',
  )
  notes!: string | null;
  @Field(() => Date, { nullable: true }) dueAt!: Date | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;
  @Field() createdAt!: Date;
}

@ObjectType('TaskPage')
export class TaskPageDTO extends Paginated(TaskDTO, { totalCount: true }) {}

@ObjectType('CampaignPage')
export class CampaignPageDTO extends Paginated(CampaignDTO, { totalCount: true }) {}

@InputType()
export class TaskFilter {
  @Field(() => TaskStatus, { nullable: true })
  @IsOptional()
  @IsEnum(TaskStatus)
  status?: TaskStatus;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() campaignId?: string;
}

@ArgsType()
export class TasksArgs {
  @Field(() => TaskFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => TaskFilter)
  filter?: TaskFilter;
  @Field(() => Int, { defaultValue: 20 }) @IsInt() @Min(1) @Max(200) first = 20;
  @Field(() => String, { nullable: true }) @IsOptional() @IsUUID() after?: string;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20 }) @IsInt() @Min(1) @Max(200) first = 20;
  @Field(() => String, { nullable: true }) @IsOptional() @IsUUID() after?: string;
}

export { IdArgs } from '../../../core/graphql/id-args';
