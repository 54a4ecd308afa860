import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  AddressBlockDTO,
  AssignIncidentInput,
  BreachNotificationInput,
  ContainmentActionDTO,
  ContainmentInput,
  DetectionRuleDTO,
  IdInput,
  IncidentDeadlineDTO,
  IncidentDTO,
  IncidentNoteInput,
  IncidentPageDTO,
  IncidentsArgs,
  IncidentTimelineEntryDTO,
  IncidentTimelinePageDTO,
  LinkEvidenceInput,
  MoveIncidentInput,
  OnCallShiftDTO,
  OnCallShiftInput,
  PeriodArgs,
  ReportIncidentInput,
  ReverseContainmentInput,
  SecurityMetricsDTO,
  TimelineArgs,
  UpdateDetectionRuleInput,
  UpdateIncidentInput,
} from './dto/incident.dto';
import { IncidentTimelineEntity } from './entities/incident-timeline.entity';
import { IncidentEntity } from './entities/incident.entity';
import { timeLeft } from './incident-workflow';
import { IncidentsErrorCode, IncidentsException } from './incidents.exception';
import { AddressBlocksService } from './services/address-blocks.service';
import { ContainmentService } from './services/containment.service';
import { DetectionService } from './services/detection.service';
import { IncidentsService } from './services/incidents.service';
import { SecurityMetricsService } from './services/security-metrics.service';

function entryDTO(e: IncidentTimelineEntity): IncidentTimelineEntryDTO {
  return {
    id: String(e.id),
    at: e.at,
    actorType: e.actorType,
    actorId: e.actorId,
    kind: e.kind,
    text: e.text,
    data: e.data ? JSON.stringify(e.data) : null,
    auditSeq: e.auditSeq === null ? null : String(e.auditSeq),
  };
}

/** Incidents, their timeline, containment, the on-call schedule, detection rules and metrics. */
@Resolver(() => IncidentDTO)
export class IncidentsResolver {
  constructor(
    private readonly service: IncidentsService,
    private readonly containment: ContainmentService,
    private readonly detection: DetectionService,
    private readonly blocks: AddressBlocksService,
    private readonly metrics: SecurityMetricsService,
  ) {}

  @Allow('read', 'Incident')
  @Query(() => IncidentPageDTO, { description: 'Incidents, newest first' })
  async incidents(@Args() args: IncidentsArgs): Promise<IncidentPageDTO> {
    const page = await this.service.list(
      { status: args.status, severity: args.severity, type: args.type },
      args.first,
      args.after,
    );
    return { items: page.items, nextCursor: page.nextCursor };
  }

  @Allow('read', 'Incident')
  @Query(() => IncidentDTO)
  incident(@Args('id', { type: () => String }) id: string): Promise<IncidentEntity> {
    if (!/^[0-9a-f-]{36}$/i.test(id))
      throw new IncidentsException(IncidentsErrorCode.INCIDENT_NOT_FOUND, 'Incident not found');
    return this.service.require(id);
  }

  @ResolveField(() => IncidentTimelinePageDTO, { description: 'Oldest first' })
  async timeline(
    @Parent() incident: IncidentEntity,
    @Args() args: TimelineArgs,
  ): Promise<IncidentTimelinePageDTO> {
    const page = await this.service.timeline(incident.id, args.first, args.after);
    return { items: page.items.map(entryDTO), nextCursor: page.nextCursor };
  }

  @ResolveField(() => [IncidentDeadlineDTO], {
    description: 'Notification deadlines of a data breach, with the time left',
  })
  async deadlines(@Parent() incident: IncidentEntity): Promise<IncidentDeadlineDTO[]> {
    const rows = await this.service.deadlines(incident.id);
    const left = timeLeft(rows, new Date());
    return rows.map((r, i) => ({
      rule: r.rule,
      dueAt: r.dueAt,
      msLeft: left[i].msLeft,
      overdue: left[i].overdue && !r.notifiedAt,
      notifiedAt: r.notifiedAt,
    }));
  }

  @ResolveField(() => [ContainmentActionDTO])
  actions(@Parent() incident: IncidentEntity): Promise<ContainmentActionDTO[]> {
    return this.containment.actionsOf(incident.id);
  }

  @Allow('create', 'Incident')
  @Mutation(() => IncidentDTO, { description: 'Reports an incident by hand' })
  reportIncident(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ReportIncidentInput,
  ): Promise<IncidentEntity> {
    return this.service.report(ctx, input);
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentDTO)
  updateIncident(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateIncidentInput,
  ): Promise<IncidentEntity> {
    const { id, ...given } = input;
    // An explicit null changes nothing (every field of an incident has a value).
    const changes = Object.fromEntries(
      Object.entries(given).filter(([, v]) => v !== null && v !== undefined),
    ) as Omit<UpdateIncidentInput, 'id'>;
    return this.service.update(ctx, id, changes);
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentDTO, {
    description:
      'open -> investigating -> contained -> resolved -> closed; moving back is a reopen and needs a reason',
  })
  moveIncident(
    @Ctx() ctx: RequestContext,
    @Args('input') input: MoveIncidentInput,
  ): Promise<IncidentEntity> {
    return this.service.transition(ctx, input.id, input.status, input.reason);
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentTimelineEntryDTO)
  async addIncidentNote(
    @Ctx() ctx: RequestContext,
    @Args('input') input: IncidentNoteInput,
  ): Promise<IncidentTimelineEntryDTO> {
    return entryDTO(await this.service.addNote(ctx, input.id, input.text));
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentDTO)
  assignIncident(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AssignIncidentInput,
  ): Promise<IncidentEntity> {
    return this.service.assign(ctx, input.id, input.userId);
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentTimelineEntryDTO, { description: 'Links an audit event as evidence' })
  async linkIncidentEvidence(
    @Ctx() ctx: RequestContext,
    @Args('input') input: LinkEvidenceInput,
  ): Promise<IncidentTimelineEntryDTO> {
    return entryDTO(await this.service.linkEvidence(ctx, input.id, input.auditSeq, input.text));
  }

  @Allow('update', 'Incident')
  @Mutation(() => IncidentDeadlineDTO, {
    description: 'Records that a breach notification was made (its deadline is met)',
  })
  async recordBreachNotification(
    @Ctx() ctx: RequestContext,
    @Args('input') input: BreachNotificationInput,
  ): Promise<IncidentDeadlineDTO> {
    const d = await this.service.recordNotification(ctx, input.id, input.rule);
    const [left] = timeLeft([d], new Date());
    return { ...d, msLeft: left.msLeft, overdue: false };
  }

  @Allow('update', 'Incident')
  @RequireStepUp()
  @Mutation(() => ContainmentActionDTO, {
    description:
      'Takes a containment action now (block an address, disable a user, revoke a key, force a reset...)',
  })
  applyContainment(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ContainmentInput,
  ): Promise<ContainmentActionDTO> {
    return this.containment.applyNow(ctx, {
      incidentId: input.incidentId ?? null,
      kind: input.kind,
      target: input.target,
      params: input.minutes ? { minutes: input.minutes } : {},
    });
  }

  @Allow('update', 'Incident')
  @RequireStepUp()
  @Mutation(() => ContainmentActionDTO, {
    description: 'Reverses a block, a disabled user or a paused campaign',
  })
  reverseContainment(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ReverseContainmentInput,
  ): Promise<ContainmentActionDTO> {
    return this.containment.reverse(ctx, input.id, input.reason);
  }

  @Allow('read', 'Incident')
  @Query(() => [AddressBlockDTO], { description: 'Active address blocks, newest first' })
  addressBlocks(): Promise<AddressBlockDTO[]> {
    return this.blocks.active();
  }

  @Allow('update', 'Incident')
  @RequireStepUp()
  @Mutation(() => Boolean, { description: 'Lifts an address block; false if it was not active' })
  liftAddressBlock(@Ctx() ctx: RequestContext, @Args('input') input: IdInput): Promise<boolean> {
    return this.containment.liftBlock(ctx, input.id);
  }

  @Allow('read', 'Incident')
  @Query(() => [OnCallShiftDTO], { description: 'On-call shifts overlapping the period' })
  onCallShifts(@Args() args: PeriodArgs): Promise<OnCallShiftDTO[]> {
    if (!(args.from < args.to))
      throw new IncidentsException(IncidentsErrorCode.INVALID_PERIOD, '`from` must be before `to`');
    return this.service.shifts(args.from, args.to);
  }

  @Allow('update', 'Incident')
  @Mutation(() => OnCallShiftDTO)
  addOnCallShift(
    @Ctx() ctx: RequestContext,
    @Args('input') input: OnCallShiftInput,
  ): Promise<OnCallShiftDTO> {
    return this.service.addShift(ctx, input);
  }

  @Allow('update', 'Incident')
  @Mutation(() => Boolean)
  async removeOnCallShift(
    @Ctx() ctx: RequestContext,
    @Args('input') input: IdInput,
  ): Promise<boolean> {
    await this.service.removeShift(ctx, input.id);
    return true;
  }

  @Allow('read', 'Incident')
  @Query(() => [DetectionRuleDTO])
  detectionRules(): Promise<DetectionRuleDTO[]> {
    return this.detection.rules();
  }

  @Allow('update', 'Settings')
  @RequireStepUp()
  @Mutation(() => DetectionRuleDTO, { description: 'Edits a detection rule (audited)' })
  updateDetectionRule(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateDetectionRuleInput,
  ): Promise<DetectionRuleDTO> {
    const { key, ...given } = input;
    const changes = Object.fromEntries(
      Object.entries(given).filter(([, v]) => v !== null && v !== undefined),
    ) as Omit<UpdateDetectionRuleInput, 'key'>;
    return this.detection.updateRule(ctx, key, changes);
  }

  @Allow('read', 'Incident')
  @Query(() => SecurityMetricsDTO, {
    description: 'The security dashboard for a period (hours that start in [from, to))',
  })
  securityMetrics(@Args() args: PeriodArgs): Promise<SecurityMetricsDTO> {
    return this.metrics.metrics(args.from, args.to);
  }
}
