import {
  ArgsType,
  Field,
  Float,
  ID,
  InputType,
  Int,
  ObjectType,
  PartialType,
  registerEnumType,
} from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsBoolean,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Paginated } from '../../../core/graphql/paginated';
import { ActionStatus, ContainmentKind } from '../entities/incident-action.entity';
import { IncidentSource } from '../entities/incident.entity';
import { TimelineKind } from '../entities/incident-timeline.entity';
import { IncidentSeverity, IncidentStatus, IncidentType } from '../incident-workflow';

registerEnumType(IncidentType, { name: 'IncidentType' });
registerEnumType(IncidentSeverity, { name: 'IncidentSeverity' });
registerEnumType(IncidentStatus, { name: 'IncidentStatus' });
registerEnumType(IncidentSource, { name: 'IncidentSource' });
registerEnumType(TimelineKind, { name: 'IncidentTimelineKind' });
registerEnumType(ContainmentKind, { name: 'ContainmentKind' });
registerEnumType(ActionStatus, { name: 'ContainmentStatus' });

const SEQ = /^\d{1,20}$/;
/** Affected systems: short names (crm-db, api-gateway). */
const SYSTEM_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,63}$/;
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

@ObjectType('IncidentDeadline')
export class IncidentDeadlineDTO {
  @Field({ description: 'e.g. gdpr:authority, us-co:individuals' }) rule!: string;
  @Field() dueAt!: Date;
  @Field(() => Float, {
    description: 'Milliseconds left at the time of the query (negative: overdue)',
  })
  msLeft!: number;
  @Field() overdue!: boolean;
  @Field(() => Date, { nullable: true }) notifiedAt!: Date | null;
}

@ObjectType('IncidentTimelineEntry')
export class IncidentTimelineEntryDTO {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field() actorType!: string;
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field(() => TimelineKind) kind!: TimelineKind;
  @Field(() => String, { nullable: true, description: 'Plain text (a note, a reopen reason)' })
  text!: string | null;
  @Field(() => String, { nullable: true, description: 'Details as JSON' }) data!: string | null;
  @Field(() => String, { nullable: true, description: 'Evidence: an audit event sequence number' })
  auditSeq!: string | null;
}

@ObjectType('IncidentTimelinePage')
export class IncidentTimelinePageDTO extends Paginated(IncidentTimelineEntryDTO) {}

@ObjectType('ContainmentAction')
export class ContainmentActionDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true }) incidentId!: string | null;
  @Field(() => ContainmentKind) kind!: ContainmentKind;
  @Field() target!: string;
  @Field(() => ActionStatus) status!: ActionStatus;
  @Field(() => String, { nullable: true }) outcome!: string | null;
  @Field() requestedAt!: Date;
  @Field() requestedByType!: string;
  @Field(() => String, { nullable: true }) requestedById!: string | null;
  @Field(() => Date, { nullable: true }) appliedAt!: Date | null;
  @Field(() => Date, { nullable: true }) reversedAt!: Date | null;
}

@ObjectType('Incident')
export class IncidentDTO {
  @Field(() => ID) id!: string;
  @Field(() => IncidentType) type!: IncidentType;
  @Field(() => IncidentSeverity) severity!: IncidentSeverity;
  @Field(() => IncidentStatus) status!: IncidentStatus;
  @Field() title!: string;
  @Field({ description: 'Plain text: never render it as HTML' }) description!: string;
  @Field(() => [ID]) affectedUsers!: string[];
  @Field(() => [ID]) affectedCustomers!: string[];
  @Field(() => [String]) affectedSystems!: string[];
  @Field(() => [String]) jurisdictions!: string[];
  @Field(() => IncidentSource) source!: IncidentSource;
  @Field(() => String, { nullable: true }) ruleKey!: string | null;
  @Field(() => String, { nullable: true }) subject!: string | null;
  @Field(() => String, { nullable: true }) reportedBy!: string | null;
  @Field(() => ID, { nullable: true }) assigneeId!: string | null;
  @Field(() => Date, { nullable: true }) firstEventAt!: Date | null;
  @Field() detectedAt!: Date;
  @Field(() => Date, { nullable: true }) acknowledgedAt!: Date | null;
  @Field(() => Date, { nullable: true }) containedAt!: Date | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => Date, { nullable: true }) closedAt!: Date | null;
  @Field() updatedAt!: Date;
}

@ObjectType('IncidentPage')
export class IncidentPageDTO extends Paginated(IncidentDTO) {}

@InputType()
export class ReportIncidentInput {
  @Field(() => IncidentType) @IsEnum(IncidentType) type!: IncidentType;
  @Field(() => IncidentSeverity) @IsEnum(IncidentSeverity) severity!: IncidentSeverity;
  @Field() @IsString() @MaxLength(200) @Matches(/\S/) title!: string;
  @Field() @IsString() @MaxLength(10_000) description!: string;
  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  affectedUsers?: string[];
  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  affectedCustomers?: string[];
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(SYSTEM_NAME, { each: true })
  affectedSystems?: string[];
  @Field(() => [String], {
    nullable: true,
    description: 'Where the affected people live (US-CO, ...): which breach laws apply',
  })
  @IsOptional()
  @ArrayMaxSize(60)
  @Matches(JURISDICTION, { each: true })
  jurisdictions?: string[];
}

/** Every field of a report, each optional (an explicit null changes nothing), and the id. */
@InputType()
export class UpdateIncidentInput extends PartialType(ReportIncidentInput) {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class MoveIncidentInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => IncidentStatus) @IsEnum(IncidentStatus) status!: IncidentStatus;
  @Field(() => String, { nullable: true, description: 'Required to reopen (move backward)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

@InputType()
export class IncidentNoteInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'Plain text' }) @IsString() @MaxLength(10_000) @Matches(/\S/) text!: string;
}

@InputType()
export class AssignIncidentInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => ID) @IsUUID() userId!: string;
}

@InputType()
export class LinkEvidenceInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'The audit event sequence number' }) @Matches(SEQ) auditSeq!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(2000) text?: string;
}

@InputType()
export class BreachNotificationInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field() @IsString() @MaxLength(64) @Matches(/^[a-z0-9:_-]+$/) rule!: string;
}

@InputType()
export class ContainmentInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() incidentId?: string;
  @Field(() => ContainmentKind) @IsEnum(ContainmentKind) kind!: ContainmentKind;
  @Field({
    description:
      'An address or CIDR (block_address), a user id, an API key id, a key purpose (rotate_data_key) or a campaign id',
  })
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9.:/_-]+$/)
  target!: string;
  @Field(() => Int, { nullable: true, description: 'block_address: how long (default 60)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(43_200)
  minutes?: number;
}

@InputType()
export class ReverseContainmentInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field() @IsString() @MaxLength(2000) @Matches(/\S/) reason!: string;
}

@InputType()
export class IdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@ArgsType()
export class IncidentsArgs {
  @Field(() => Int, { defaultValue: 50 }) @IsInt() @Min(1) @Max(100) first = 50;
  @Field(() => String, { nullable: true }) @IsOptional() @IsUUID() after?: string;
  @Field(() => IncidentStatus, { nullable: true })
  @IsOptional()
  @IsEnum(IncidentStatus)
  status?: IncidentStatus;
  @Field(() => IncidentSeverity, { nullable: true })
  @IsOptional()
  @IsEnum(IncidentSeverity)
  severity?: IncidentSeverity;
  @Field(() => IncidentType, { nullable: true })
  @IsOptional()
  @IsEnum(IncidentType)
  type?: IncidentType;
}

@ArgsType()
export class TimelineArgs {
  @Field(() => Int, { defaultValue: 100 }) @IsInt() @Min(1) @Max(500) first = 100;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(SEQ) after?: string;
}

@ObjectType('AddressBlock')
export class AddressBlockDTO {
  @Field(() => ID) id!: string;
  @Field() cidr!: string;
  @Field() reason!: string;
  @Field(() => ID, { nullable: true }) incidentId!: string | null;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
  @Field() createdAt!: Date;
  @Field() expiresAt!: Date;
}

@ObjectType('OnCallShift')
export class OnCallShiftDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field() startsAt!: Date;
  @Field() endsAt!: Date;
}

@InputType()
export class OnCallShiftInput {
  @Field(() => ID) @IsUUID() userId!: string;
  @Field() @IsDate() startsAt!: Date;
  @Field() @IsDate() endsAt!: Date;
}

@ArgsType()
export class PeriodArgs {
  @Field() @IsDate() from!: Date;
  @Field() @IsDate() to!: Date;
}

@ObjectType('DetectionRule')
export class DetectionRuleDTO {
  @Field() key!: string;
  @Field() title!: string;
  @Field(() => IncidentType) type!: string;
  @Field() enabled!: boolean;
  @Field(() => Int) threshold!: number;
  @Field(() => Int) windowSeconds!: number;
  @Field(() => IncidentSeverity) severity!: IncidentSeverity;
  @Field(() => [ContainmentKind]) actions!: ContainmentKind[];
  @Field(() => [ContainmentKind]) allowedActions!: readonly ContainmentKind[];
  @Field(() => Int) blockMinutes!: number;
  @Field(() => Date, { nullable: true }) updatedAt!: Date | null;
  @Field(() => String, { nullable: true }) updatedBy!: string | null;
}

@InputType()
export class UpdateDetectionRuleInput {
  @Field() @IsString() @MaxLength(64) @Matches(/^[a-z0-9_]+$/) key!: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  threshold?: number;
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(7 * 86_400)
  windowSeconds?: number;
  @Field(() => IncidentSeverity, { nullable: true })
  @IsOptional()
  @IsEnum(IncidentSeverity)
  severity?: IncidentSeverity;
  @Field(() => [ContainmentKind], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  @IsEnum(ContainmentKind, { each: true })
  actions?: ContainmentKind[];
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(43_200)
  blockMinutes?: number;
}

@ObjectType('CountByKey')
export class CountDTO {
  @Field() key!: string;
  @Field(() => Int) count!: number;
}

@ObjectType('MfaAdoption')
export class MfaAdoptionDTO {
  @Field() role!: string;
  @Field(() => Int) users!: number;
  @Field(() => Int) withMfa!: number;
}

@ObjectType('AuditChainStatus')
export class AuditChainStatusDTO {
  @Field() headSeq!: string;
  @Field(() => Date, { nullable: true }) lastVerifiedAt!: Date | null;
  @Field(() => Boolean, { nullable: true }) lastVerificationOk!: boolean | null;
  @Field(() => String, { nullable: true }) lastCheckpointSeq!: string | null;
  @Field(() => Date, { nullable: true }) lastCheckpointAt!: Date | null;
}

@ObjectType('EncryptionAtRestStatus')
export class EncryptionAtRestDTO {
  @Field() ok!: boolean;
  @Field() checkedAt!: Date;
}

@ObjectType('DetectionStatus')
export class DetectionStatusDTO {
  @Field() cursor!: string;
  @Field(() => Int, { description: 'Audit events not read by detection yet' }) lag!: number;
  @Field(() => Date, { nullable: true }) lastPassAt!: Date | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
}

@ObjectType('SecurityMetrics')
export class SecurityMetricsDTO {
  @Field() from!: Date;
  @Field() to!: Date;
  @Field() at!: Date;
  @Field(() => Int) signInsOk!: number;
  @Field(() => Int) signInsFailed!: number;
  @Field(() => [CountDTO]) signInFailuresByReason!: CountDTO[];
  @Field(() => Int, { description: 'Sign-ins refused by a lockout' }) lockouts!: number;
  @Field(() => Int) failedAuthorizations!: number;
  @Field(() => [MfaAdoptionDTO]) mfaAdoption!: MfaAdoptionDTO[];
  @Field(() => Int) dormantAccounts!: number;
  @Field(() => Int) apiKeysNearExpiry!: number;
  @Field(() => [CountDTO]) incidentsBySeverity!: CountDTO[];
  @Field(() => [CountDTO]) incidentsByStatus!: CountDTO[];
  @Field(() => Int) openIncidents!: number;
  @Field(() => Float, { nullable: true, description: 'Seconds' }) meanTimeToDetect!: number | null;
  @Field(() => Float, { nullable: true, description: 'Seconds' }) meanTimeToAcknowledge!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Seconds' }) meanTimeToResolve!: number | null;
  @Field(() => Int) dataSubjectRequestsOpen!: number;
  @Field(() => Int) dataSubjectRequestsOverdue!: number;
  @Field(() => [CountDTO]) purgeRuns!: CountDTO[];
  @Field(() => AuditChainStatusDTO) auditChain!: AuditChainStatusDTO;
  @Field(() => EncryptionAtRestDTO) encryptionAtRest!: EncryptionAtRestDTO;
  @Field(() => DetectionStatusDTO) detection!: DetectionStatusDTO;
}
