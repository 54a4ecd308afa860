import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ConsentSource } from '../entities/consent.entity';
import {
  CEASE_CHANNELS,
  CEASE_KINDS,
  type CeaseChannel,
  type CeaseKind,
} from '../entities/cease-request.entity';
import type { CeaseException } from '../rules/types';
import { HHMM } from '../../../core/validation/patterns';

registerEnumType(ConsentSource, { name: 'ConsentSource' });

const CHANNELS = ['call', 'sms', 'email'];
const PURPOSES = ['collection', 'marketing'];
const NUMBER_TYPES = ['home', 'cell', 'work', 'unknown'];
const CEASE_EXCEPTIONS: CeaseException[] = [
  'termination_notice',
  'remedy_notice',
  'intended_remedy',
];

@ObjectType('ComplianceCheck')
export class ComplianceCheckDTO {
  @Field() rule!: string;
  @Field({ description: "'law' (a statute or regulation requires it) or 'house' (our own policy)" })
  kind!: string;
  @Field() passed!: boolean;
  @Field() detail!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The section that states the rule; null for house policy',
  })
  citation!: string | null;
}

@ObjectType('ContactDecision')
export class ContactDecisionDTO {
  @Field() allowed!: boolean;
  @Field(() => [ComplianceCheckDTO]) checks!: ComplianceCheckDTO[];
  @Field(() => Date, {
    nullable: true,
    description: 'Earliest legal time; null when refused for good',
  })
  nextAllowedAt!: Date | null;
}

@InputType()
export class EvaluateContactInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field() @IsIn(CHANNELS) channel!: 'call' | 'sms' | 'email';
  @Field() @IsIn(PURPOSES) purpose!: 'collection' | 'marketing';
  @Field({ nullable: true, description: 'Default: now' }) @IsOptional() @IsDate() at?: Date;
  @Field({ nullable: true, description: 'The exact number or address; default the primary one' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  to?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) debtId?: string;
}

@InputType()
export class SimConsentInput {
  @Field() @IsIn(CHANNELS) channel!: 'call' | 'sms' | 'email';
  @Field() @IsIn(PURPOSES) purpose!: 'collection' | 'marketing';
  @Field() @IsBoolean() granted!: boolean;
  @Field() @IsDate() at!: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() expiresAt?: Date;
}

@InputType()
export class SimBanInput {
  @Field({ nullable: true, description: 'Null: every channel' })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: 'call' | 'sms' | 'email';
  @Field() @IsIn(['person', 'address']) scope!: 'person' | 'address';
}

@InputType()
export class SimAttemptInput {
  @Field() @IsIn(CHANNELS) channel!: 'call' | 'sms' | 'email';
  @Field() @IsIn(PURPOSES) purpose!: 'collection' | 'marketing';
  @Field() @IsDate() at!: Date;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) debtId?: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() consumerInitiated?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() conversation?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsIn(NUMBER_TYPES) toType?:
    'home' | 'cell' | 'work' | 'unknown';
}

@InputType()
export class SimCeaseInput {
  @Field({ nullable: true, description: 'Null: every debt' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  debtId?: string;
  @Field() @IsDate() at!: Date;
}

/** Facts for a what-if: the consumer's location and numbers, consents, bans and prior attempts. */
@InputType()
export class SimulateContactInput {
  @Field() @IsIn(CHANNELS) channel!: 'call' | 'sms' | 'email';
  @Field() @IsIn(PURPOSES) purpose!: 'collection' | 'marketing';
  @Field() @IsDate() at!: Date;
  @Field({ nullable: true })
  @IsOptional()
  @Matches(/^[A-Za-z_]+\/[A-Za-z_/+-]+$/)
  timezone?: string;
  @Field({ nullable: true, description: 'E.164; its area code adds candidate zones' })
  @IsOptional()
  @Matches(/^\+1\d{10}$/)
  phone?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^[A-Z]{2}$/) state?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^\d{5}$/) zip?: string;
  @Field({ nullable: true }) @IsOptional() @IsIn(NUMBER_TYPES) toType?:
    'home' | 'cell' | 'work' | 'unknown';
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) debtId?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) preferredStart?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) preferredEnd?: string;
  @Field(() => [SimConsentInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => SimConsentInput)
  consents?: SimConsentInput[];
  @Field(() => [SimBanInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => SimBanInput)
  bans?: SimBanInput[];
  @Field(() => [SimAttemptInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SimAttemptInput)
  attempts?: SimAttemptInput[];
  @Field(() => [SimCeaseInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SimCeaseInput)
  ceases?: SimCeaseInput[];
  @Field(() => String, {
    nullable: true,
    description:
      'A communication a cease request still allows (12 CFR 1006.6(c)(2)(i)-(iii)): termination_notice, remedy_notice, intended_remedy',
  })
  @IsOptional()
  @IsIn(CEASE_EXCEPTIONS)
  ceaseException?: CeaseException;
}

@InputType()
export class RecordCeaseRequestInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field({ nullable: true, description: 'The debt it is about; null: every debt of the consumer' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[\x21-\x7e]+$/, { message: 'debtId is printable ASCII without spaces' })
  debtId?: string;
  @Field(() => String, { description: "'refusal_to_pay' or 'cease_communication'" })
  @IsIn(CEASE_KINDS)
  kind!: CeaseKind;
  @Field(() => String, { description: "'mail', 'email', 'electronic', 'fax' or 'in_person'" })
  @IsIn(CEASE_CHANNELS)
  receivedVia!: CeaseChannel;
  @Field({ nullable: true, description: 'When the written notice was received; default now' })
  @IsOptional()
  @IsDate()
  receivedAt?: Date;
}

@ObjectType('CeaseRequest')
export class CeaseRequestDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => String, { nullable: true }) debtId!: string | null;
  @Field() kind!: string;
  @Field() receivedVia!: string;
  @Field() receivedAt!: Date;
  @Field() createdAt!: Date;
}

@InputType()
export class RecordConsentInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field() @IsIn(CHANNELS) channel!: 'call' | 'sms' | 'email';
  @Field() @IsIn(PURPOSES) purpose!: 'collection' | 'marketing';
  @Field() @IsBoolean() granted!: boolean;
  @Field(() => ConsentSource) @IsEnum(ConsentSource) source!: ConsentSource;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(45) ip?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(255) userAgent?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(500) formUrl?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) textVersion?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(200) recordingRef?: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() expiresAt?: Date;
}

@ObjectType('Consent')
export class ConsentDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field() channel!: string;
  @Field() purpose!: string;
  @Field() granted!: boolean;
  @Field(() => ConsentSource) source!: ConsentSource;
  @Field() effectiveAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
}

@InputType()
export class AddDncEntryInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() customerId?: string;
  @Field({ nullable: true, description: 'Null: every channel' })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: 'call' | 'sms' | 'email';
  @Field({ nullable: true, description: 'Ban only this number or address' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  address?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(255) reason?: string;
}

@ObjectType('DncEntry')
export class DncEntryDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
  @Field(() => String, { nullable: true }) channel!: string | null;
  @Field() scope!: string;
  @Field() list!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType('RefusalCount')
export class RefusalCountDTO {
  @Field() day!: string;
  @Field() rule!: string;
  @Field({ description: "'law' or 'house'" }) kind!: string;
  @Field() channel!: string;
  @Field(() => Int) count!: number;
}

/**
 * A customer's history (consents, do-not-contact entries), newest first, a page at a time: the
 * next page starts after the id of the last entry of this one.
 */
@ArgsType()
export class CustomerHistoryArgs {
  @Field() @IsUUID() customerId!: string;
  @Field(() => Int, { defaultValue: 100, description: 'Entries per page (1-500)' })
  @IsInt()
  @Min(1)
  @Max(500)
  first = 100;
  @Field(() => String, {
    nullable: true,
    description: 'The id of the last entry of the previous page',
  })
  @IsOptional()
  @IsUUID()
  after?: string;
}
