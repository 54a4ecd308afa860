import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  IsDate,
  IsEmail,
  ValidateNested,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import {
  DsrDenialReason,
  DsrLookup,
  DsrRegime,
  DsrStatus,
  DsrType,
  DsrVerificationMethod,
  VerificationChannel,
} from '../entities/data-subject-request.entity';
import { LegalHoldReason } from '../entities/legal-hold.entity';

registerEnumType(DsrStatus, { name: 'DataSubjectRequestStatus' });
registerEnumType(DsrRegime, { name: 'PrivacyRegime' });
registerEnumType(DsrDenialReason, {
  name: 'DataSubjectRequestRejectionReason',
  description: 'GDPR Art. 12(5), 17(3); CCPA 1798.105(d), 1798.145',
});
registerEnumType(DsrType, { name: 'DataSubjectRequestType' });
registerEnumType(DsrLookup, { name: 'DataSubjectLookup' });
registerEnumType(DsrVerificationMethod, { name: 'IdentityVerificationMethod' });

registerEnumType(VerificationChannel, { name: 'VerificationChannel' });

const CHANNELS = ['phone', 'email', 'web', 'mail', 'agent'] as const;

@ObjectType('DataSubjectRequest')
export class DataSubjectRequestDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => DsrType) type!: DsrType;
  @Field(() => DsrRegime) regime!: DsrRegime;
  @Field(() => DsrStatus) status!: DsrStatus;
  @Field() receivedVia!: string;
  @Field(() => DsrLookup, { description: 'How the subject was found' }) foundBy!: DsrLookup;
  @Field(() => DsrDenialReason, { nullable: true }) denialReason!: DsrDenialReason | null;
  @Field(() => String, { nullable: true, description: 'Told to the subject; plain text' })
  rejectionNote!: string | null;
  @Field(() => DsrVerificationMethod, { nullable: true })
  verificationMethod!: DsrVerificationMethod | null;
  @Field(() => VerificationChannel, { nullable: true, description: 'Where the last code went' })
  verificationChannel!: VerificationChannel | null;
  @Field(() => Date, { nullable: true }) verificationExpiresAt!: Date | null;
  @Field() verificationSends!: number;
  @Field(() => Date, { nullable: true }) verifiedAt!: Date | null;
  @Field(() => Date, { nullable: true }) reversedAt!: Date | null;
  @Field(() => String, { nullable: true }) reversalReason!: string | null;
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

@InputType({ description: 'Exactly one of them' })
export class DataSubjectInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() customerId?: string;
  @Field({ nullable: true, description: 'Found through the blind index' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;
  @Field({ nullable: true, description: 'Any US format; found through the blind index' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string;
}

@InputType()
export class SubmitDataSubjectRequestInput {
  @Field(() => DsrType) @IsEnum(DsrType) type!: DsrType;
  @Field(() => DsrRegime) @IsEnum(DsrRegime) regime!: DsrRegime;
  @Field(() => String, { description: 'phone, email, web, mail or agent' })
  @IsIn(CHANNELS)
  receivedVia!: (typeof CHANNELS)[number];
  @Field(() => DataSubjectInput)
  @ValidateNested()
  @Type(() => DataSubjectInput)
  subject!: DataSubjectInput;
}

@InputType()
export class SendVerificationCodeInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => VerificationChannel, { description: 'To the email or phone on file' })
  @IsEnum(VerificationChannel)
  channel!: VerificationChannel;
}

@InputType()
export class VerifyDataSubjectInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'The six digits the subject read back' })
  @Matches(/^\s*\d{6}\s*$/)
  code!: string;
}

@InputType()
export class AttestIdentityInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'What was checked, and how (kept encrypted under the subject key)' })
  @IsString()
  @MaxLength(2000)
  @Matches(/\S{3}/)
  evidence!: string;
}

@InputType({ description: 'Corrected values; null clears a field; omitted ones stay' })
export class CorrectedFieldsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastName?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  addressLine?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  city?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/)
  state?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^\d{5}$/) zip?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  dateOfBirth?: string | null;
}

@InputType()
export class CompleteRectificationInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => CorrectedFieldsInput)
  @ValidateNested()
  @Type(() => CorrectedFieldsInput)
  changes!: CorrectedFieldsInput;
}

@InputType()
export class RejectDataSubjectRequestInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => DsrDenialReason) @IsEnum(DsrDenialReason) reason!: DsrDenialReason;
  @Field(() => String, { nullable: true, description: 'Told to the subject; plain text' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

@InputType()
export class ReverseDataSubjectRequestInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field() @IsString() @MaxLength(1000) @Matches(/\S/) reason!: string;
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
  @Field(() => DsrType, { nullable: true }) @IsOptional() @IsEnum(DsrType) type?: DsrType;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() customerId?: string;
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
