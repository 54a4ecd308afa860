import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  IsDate,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { DsrDenialReason, DsrRegime, DsrStatus } from '../entities/data-subject-request.entity';
import { LegalHoldReason } from '../entities/legal-hold.entity';

registerEnumType(DsrStatus, { name: 'DataSubjectRequestStatus' });
registerEnumType(DsrRegime, { name: 'PrivacyRegime' });
registerEnumType(DsrDenialReason, { name: 'ErasureDenialReason' });

const CHANNELS = ['phone', 'email', 'web', 'mail', 'agent'] as const;

@ObjectType('DataSubjectRequest')
export class DataSubjectRequestDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field() type!: string;
  @Field(() => DsrRegime) regime!: DsrRegime;
  @Field(() => DsrStatus) status!: DsrStatus;
  @Field() receivedVia!: string;
  @Field(() => DsrDenialReason, { nullable: true }) denialReason!: DsrDenialReason | null;
  @Field({ description: 'Statutory deadline (after an extension, the extended one)' }) dueAt!: Date;
  @Field(() => Date, { nullable: true, description: 'The deadline before the extension' })
  originalDueAt!: Date | null;
  @Field(() => Date, { nullable: true }) extendedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Told to the subject; plain text' })
  extensionReason!: string | null;
  @Field() tasksCancelled!: number;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field() createdAt!: Date;
}

@InputType()
export class RequestErasureInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field(() => DsrRegime) @IsEnum(DsrRegime) regime!: DsrRegime;
  @Field(() => String, { description: 'phone, email, web, mail or agent' })
  @IsIn(CHANNELS)
  receivedVia!: (typeof CHANNELS)[number];
}

@InputType()
export class DataSubjectRequestIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class DenyErasureInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => DsrDenialReason) @IsEnum(DsrDenialReason) reason!: DsrDenialReason;
}

@InputType()
export class DataSubjectRequestFilter {
  @Field(() => DsrStatus, { nullable: true }) @IsOptional() @IsEnum(DsrStatus) status?: DsrStatus;
}

registerEnumType(LegalHoldReason, { name: 'LegalHoldReason' });

@ObjectType('LegalHold', {
  description: 'While active (not released, not expired) it blocks erasure and the retention purge',
})
export class LegalHoldDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => String, { nullable: true, description: 'The debt it covers; null: the customer' })
  debtRef!: string | null;
  @Field(() => LegalHoldReason) reason!: LegalHoldReason;
  @Field({ description: 'Plain text' }) note!: string;
  @Field() placedBy!: string;
  @Field() placedAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) releasedAt!: Date | null;
  @Field(() => String, { nullable: true }) releasedBy!: string | null;
}

@InputType()
export class PlaceLegalHoldInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9._:/-]+$/)
  debtRef?: string;
  @Field(() => LegalHoldReason) @IsEnum(LegalHoldReason) reason!: LegalHoldReason;
  @Field() @IsString() @MaxLength(2000) @Matches(/\S/) note!: string;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() expiresAt?: Date;
}

@InputType()
export class LegalHoldIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class ExtendRequestInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'Why more time is needed: told to the subject' })
  @IsString()
  @MaxLength(1000)
  @Matches(/\S/)
  reason!: string;
}
