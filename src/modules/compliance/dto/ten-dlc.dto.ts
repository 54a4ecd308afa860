import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { BrandEntityType, BrandStatus } from '../entities/brand.entity';
import { MessagingCampaignStatus, MessagingUseCase } from '../entities/messaging-campaign.entity';
import { SenderNumberStatus } from '../entities/sender-number.entity';

registerEnumType(BrandEntityType, { name: 'BrandEntityType' });
registerEnumType(BrandStatus, { name: 'BrandStatus' });
registerEnumType(MessagingUseCase, { name: 'MessagingUseCase' });
registerEnumType(MessagingCampaignStatus, { name: 'MessagingCampaignStatus' });

const TCR_ID = /^[A-Z0-9]{6,16}$/;

@ObjectType('Brand', { description: 'A 10DLC brand registered with The Campaign Registry' })
export class BrandDTO {
  @Field(() => ID) id!: string;
  @Field() displayName!: string;
  @Field() legalName!: string;
  @Field(() => BrandEntityType) entityType!: BrandEntityType;
  @Field() ein!: string;
  @Field(() => String, { nullable: true }) website!: string | null;
  @Field() vertical!: string;
  @Field(() => BrandStatus) status!: BrandStatus;
  @Field(() => String, { nullable: true }) tcrBrandId!: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'TCR secondary vetting (trust) score, 0-100; null: not vetted',
  })
  vettingScore!: number | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('MessagingCampaign', { description: 'A 10DLC campaign: what a brand may text' })
export class MessagingCampaignDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) brandId!: string;
  @Field(() => MessagingUseCase) useCase!: MessagingUseCase;
  @Field() description!: string;
  @Field() messageFlow!: string;
  @Field(() => [String]) sampleMessages!: string[];
  @Field() helpMessage!: string;
  @Field() optOutMessage!: string;
  @Field() embeddedLinks!: boolean;
  @Field() embeddedPhone!: boolean;
  @Field(() => MessagingCampaignStatus) status!: MessagingCampaignStatus;
  @Field(() => String, { nullable: true }) statusReason!: string | null;
  @Field(() => String, { nullable: true }) tcrCampaignId!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@InputType()
export class RegisterBrandInput {
  @Field() @IsString() @MaxLength(60) @Matches(/\S/) displayName!: string;
  @Field() @IsString() @MaxLength(255) @Matches(/\S/) legalName!: string;
  @Field(() => BrandEntityType) @IsEnum(BrandEntityType) entityType!: BrandEntityType;
  @Field({ description: 'US EIN, 9 digits (dashes allowed)' })
  @Matches(/^\d{2}-?\d{7}$/)
  ein!: string;
  @Field({ nullable: true })
  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true })
  @MaxLength(255)
  website?: string;
  @Field({ description: 'TCR vertical, e.g. FINANCIAL' })
  @Matches(/^[A-Z_]{2,40}$/)
  vertical!: string;
}

@InputType()
export class RecordBrandStatusInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => BrandStatus) @IsEnum(BrandStatus) status!: BrandStatus;
  @Field({ nullable: true }) @IsOptional() @Matches(TCR_ID) tcrBrandId?: string;
  @Field(() => Int, {
    nullable: true,
    description: 'TCR secondary vetting (trust) score, 0-100 (sets the carriers’ throughput)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  vettingScore?: number;
}

@InputType()
export class RegisterMessagingCampaignInput {
  @Field(() => ID) @IsUUID() brandId!: string;
  @Field(() => MessagingUseCase) @IsEnum(MessagingUseCase) useCase!: MessagingUseCase;
  @Field() @IsString() @MaxLength(1024) @Matches(/\S/) description!: string;
  @Field({ description: 'How consumers opt in' })
  @IsString()
  @MaxLength(1024)
  messageFlow!: string;
  @Field(() => [String])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  sampleMessages!: string[];
  @Field() @IsString() @MaxLength(320) helpMessage!: string;
  @Field() @IsString() @MaxLength(320) optOutMessage!: string;
  @Field() @IsBoolean() embeddedLinks!: boolean;
  @Field() @IsBoolean() embeddedPhone!: boolean;
}

@InputType()
export class RecordMessagingCampaignStatusInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => MessagingCampaignStatus)
  @IsEnum(MessagingCampaignStatus)
  status!: MessagingCampaignStatus;
  @Field({ nullable: true }) @IsOptional() @Matches(TCR_ID) tcrCampaignId?: string;
  @Field({ nullable: true, description: 'The carrier’s stated reason (no personal data)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  reason?: string;
}

registerEnumType(SenderNumberStatus, { name: 'SenderNumberStatus' });

@ObjectType('SenderNumber')
export class SenderNumberDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) messagingCampaignId!: string;
  @Field({ description: 'E.164' }) e164!: string;
  @Field(() => SenderNumberStatus) status!: SenderNumberStatus;
  @Field() assignedAt!: Date;
  @Field(() => Date, { nullable: true }) retiredAt!: Date | null;
}

@InputType()
export class AddSenderNumberInput {
  @Field(() => ID) @IsUUID() messagingCampaignId!: string;
  @Field({ description: 'A US number, E.164 (+12125550123)' })
  @IsString()
  @Matches(/^\+1\d{10}$/)
  number!: string;
}

@InputType()
export class SenderNumberIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@ObjectType('CarrierRate')
export class CarrierRateDTO {
  @Field({ description: 'att, tmobile, verizon or minor (the small carriers)' }) carrier!: string;
  @Field(() => Int, { description: 'Messages per minute for the 10DLC campaign' })
  perMinute!: number;
}

@ObjectType('MessagingThroughput', {
  description: 'What the carriers let a 10DLC campaign send, at its brand’s vetting score',
})
export class MessagingThroughputDTO {
  @Field(() => ID) messagingCampaignId!: string;
  @Field({ description: 'declared, mixed or low_volume' }) useCaseGroup!: string;
  @Field(() => Int, { description: 'The vetting score the limits are for (0: not vetted)' })
  vettingScore!: number;
  @Field(() => [CarrierRateDTO]) perCarrier!: CarrierRateDTO[];
  @Field(() => Float, {
    description:
      'Messages per second the outbox sends at: the strictest carrier’s (the recipient’s carrier is not looked up)',
  })
  ratePerSecond!: number;
  @Field(() => Int, { description: 'T-Mobile’s daily cap for the brand, all its campaigns' })
  tmobileDailyCap!: number;
  @Field(() => Int, { description: 'Texts the brand sent today (Pacific day) against that cap' })
  sentToday!: number;
  @Field({ description: 'Review date of the carrier limits table' }) dataVersion!: string;
}
