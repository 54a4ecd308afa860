import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsIn, IsOptional, IsUUID } from 'class-validator';
import { DsrDenialReason, DsrRegime, DsrStatus } from '../entities/data-subject-request.entity';

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
  @Field({ description: 'Statutory deadline' }) dueAt!: Date;
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
