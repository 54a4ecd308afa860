import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CampaignStatus, Channel } from '../entities/campaign.entity';
import { TaskOutcome } from '../entities/task.entity';
import { DebtStatus } from '../../customers';
import { HHMM, MONEY } from '../../../core/validation/patterns';

@InputType()
export class AudienceInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(60)
  @Matches(/^[A-Z]{2}$/, { each: true })
  states?: string[];
  @Field({ nullable: true }) @IsOptional() @Matches(MONEY) minBalance?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(MONEY) maxBalance?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  tags?: string[];
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsIn(['active', 'inactive'], { each: true })
  statuses?: string[];
  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsUUID('all', { each: true })
  customerIds?: string[];
  @Field(() => [String], {
    nullable: true,
    description:
      'Customers with a debt in these statuses (active, disputed, paid, settled, closed, recalled); launch makes one task per such debt',
  })
  @IsOptional()
  @IsArray()
  @IsIn(Object.values(DebtStatus), { each: true })
  debtStatuses?: string[];
}

@InputType()
export class CreateCampaignInput {
  @Field() @IsString() @MaxLength(120) @Matches(/\S/) name!: string;
  @Field(() => Channel) @IsEnum(Channel) channel!: Channel;
  @Field() @IsIn(['collection', 'marketing']) purpose!: 'collection' | 'marketing';
  @Field(() => AudienceInput) @ValidateNested() @Type(() => AudienceInput) audience!: AudienceInput;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) messageTemplate?: string;
  @Field(() => ID, { nullable: true, description: 'SMS only: the 10DLC campaign it sends under' })
  @IsOptional()
  @IsUUID()
  messagingCampaignId?: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() startsAt?: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() endsAt?: Date;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) windowStart?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) windowEnd?: string;
  @Field({ nullable: true, description: "Default: the caller's team" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  teamId?: string;
}

@InputType()
export class UpdateCampaignInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(120) @Matches(/\S/) name?: string;
  @Field(() => AudienceInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AudienceInput)
  audience?: AudienceInput;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) messageTemplate?: string;
  @Field(() => ID, { nullable: true, description: 'SMS only: the 10DLC campaign it sends under' })
  @IsOptional()
  @IsUUID()
  messagingCampaignId?: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() startsAt?: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() endsAt?: Date;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) windowStart?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) windowEnd?: string;
}

@InputType()
export class TransitionCampaignInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => CampaignStatus) @IsEnum(CampaignStatus) to!: CampaignStatus;
}

@InputType()
export class CampaignIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@ObjectType('BlockedCustomer')
export class BlockedCustomerDTO {
  @Field(() => ID) customerId!: string;
  @Field(() => [String]) reasons!: string[];
}

@ObjectType('ReasonCount')
export class ReasonCountDTO {
  @Field() rule!: string;
  @Field(() => Int) count!: number;
}

@ObjectType('SendEta', {
  description:
    'How long a text campaign’s messages take at the carriers’ limits today (quiet hours not counted)',
})
export class SendEtaDTO {
  @Field(() => Int, { description: 'Messages to send: the customers allowed now or later' })
  messages!: number;
  @Field(() => Float, {
    description:
      'Texts a second the worker sends at: the strictest carrier’s rate less the pacing headroom',
  })
  ratePerSecond!: number;
  @Field(() => Int, { description: 'T-Mobile’s daily cap for the brand' }) dailyCap!: number;
  @Field(() => Int) seconds!: number;
  @Field() finishesAt!: Date;
  @Field(() => Int, { description: 'Carrier days (Pacific) the sending spans' }) days!: number;
}

@ObjectType('CampaignPrecheck')
export class CampaignPrecheckDTO {
  @Field(() => Int) total!: number;
  @Field(() => Int) allowedNow!: number;
  @Field(() => Int, { description: 'Allowed later (outside hours or caps now)' })
  allowedLater!: number;
  @Field(() => Int) blocked!: number;
  @Field(() => [ReasonCountDTO]) byReason!: ReasonCountDTO[];
  @Field(() => [BlockedCustomerDTO], {
    description: 'The first 200 blocked customers with their reasons',
  })
  blockedCustomers!: BlockedCustomerDTO[];
  @Field() evaluatedAt!: Date;
  @Field(() => SendEtaDTO, { nullable: true, description: 'Text campaigns only' })
  sendEta!: SendEtaDTO | null;
}

@ObjectType('CampaignLaunch')
export class CampaignLaunchDTO {
  @Field(() => ID) campaignId!: string;
  @Field(() => CampaignStatus) status!: CampaignStatus;
  @Field(() => Int) tasksCreated!: number;
  @Field(() => CampaignPrecheckDTO) precheck!: CampaignPrecheckDTO;
}

@InputType()
export class AssignTaskInput {
  @Field(() => ID) @IsUUID() taskId!: string;
  @Field(() => ID) @IsUUID() agentId!: string;
}

@InputType()
export class TaskIdInput {
  @Field(() => ID) @IsUUID() taskId!: string;
}

@InputType()
export class CompleteTaskInput {
  @Field(() => ID) @IsUUID() taskId!: string;
  @Field(() => TaskOutcome) @IsEnum(TaskOutcome) outcome!: TaskOutcome;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(4000) notes?: string;
}

@ObjectType('ContactAttempt')
export class ContactAttemptDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => ID, { nullable: true }) taskId!: string | null;
  @Field(() => ID, { nullable: true }) campaignId!: string | null;
  @Field(() => ID, { nullable: true }) agentId!: string | null;
  @Field() channel!: string;
  @Field() purpose!: string;
  @Field() occurredAt!: Date;
  @Field(() => String, { nullable: true }) outcome!: string | null;
  @Field() conversation!: boolean;
}
