import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { ActorType, AuditEventEntity, AuditResult } from '../entities/audit-event.entity';
import { MAX_AUDIT_PAGE } from '../audit.service';
import { Paginated } from '../../../core/graphql/paginated';

registerEnumType(AuditResult, { name: 'AuditResult' });
registerEnumType(ActorType, { name: 'AuditActorType' });

@ObjectType('AuditEvent')
export class AuditEventDTO {
  @Field(() => ID) seq!: string;
  @Field() occurredAt!: Date;
  @Field(() => ActorType) actorType!: ActorType;
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field(() => String, { nullable: true }) actorRole!: string | null;
  @Field() action!: string;
  @Field(() => String, { nullable: true }) resourceType!: string | null;
  @Field(() => String, { nullable: true }) resourceId!: string | null;
  @Field(() => AuditResult) result!: AuditResult;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => Int, { nullable: true }) durationMs!: number | null;
  @Field(() => String, { nullable: true, description: 'JSON; PII masked or named only' }) changes!:
    string | null;
  @Field({ description: 'SHA-256 chain hash, hex' }) hash!: string;

  static from(e: AuditEventEntity): AuditEventDTO {
    return {
      ...e,
      changes: e.changes ? JSON.stringify(e.changes) : null,
      hash: e.hash.toString('hex'),
    };
  }
}

@ObjectType('AuditEventPage')
export class AuditEventPageDTO extends Paginated(AuditEventDTO, {
  nextCursor: 'Pass as `after` for the next, older page',
}) {}

@InputType()
export class AuditEventFilter {
  @Field({ nullable: true }) @IsOptional() @MaxLength(64) actorId?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(100) action?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(64) resourceType?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(64) resourceId?: string;
  @Field(() => AuditResult, { nullable: true })
  @IsOptional()
  @IsEnum(AuditResult)
  result?: AuditResult;
  @Field({ nullable: true }) @IsOptional() @IsDate() from?: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() to?: Date;
}

@ArgsType()
export class AuditEventsArgs {
  @Field(() => AuditEventFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditEventFilter)
  filter?: AuditEventFilter;

  @Field(() => Int, { defaultValue: 50 })
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  first = 50;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^\d{1,20}$/)
  after?: string;
}

@ObjectType('DataAccessRow')
export class DataAccessRowDTO {
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field(() => String, { nullable: true }) resourceId!: string | null;
  @Field() action!: string;
  @Field(() => Int) count!: number;
  @Field() lastAt!: Date;
}

@ObjectType('AuditChainVerification')
export class AuditChainVerificationDTO {
  @Field() ok!: boolean;
  @Field(() => Int) checked!: number;
  @Field(() => String, { nullable: true }) firstSeq?: string | null;
  @Field(() => String, { nullable: true }) lastSeq?: string | null;
  @Field(() => String, { nullable: true, description: 'First broken link' }) brokenAt?:
    string | null;
  @Field(() => String, { nullable: true }) reason?: string | null;
}
