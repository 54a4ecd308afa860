import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, LessThanOrEqual, MoreThan } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { cursorPage, Page } from '../../../core/database/pagination';
import { driverErrorOf } from '../../../core/errors/map-error';
import { ActorType, actorOf } from '../../audit';
import type { AuditActor } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { UserStatus } from '../../identity';
import { UsersService } from '../../identity/services/users.service';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';
import { breachRulesFor, isBreachJurisdiction } from '../breach-rules';
import { IncidentDeadlineEntity } from '../entities/incident-deadline.entity';
import { IncidentEntity, IncidentSource } from '../entities/incident.entity';
import { IncidentTimelineEntity, TimelineKind } from '../entities/incident-timeline.entity';
import { OnCallShiftEntity } from '../entities/on-call-shift.entity';
import {
  breachDeadlines,
  IncidentSeverity,
  IncidentStatus,
  IncidentType,
  isActive,
  move,
} from '../incident-workflow';
import { IncidentsErrorCode, IncidentsException } from '../incidents.exception';

/** What a person reports, or a detection rule fills in. */
export interface IncidentInput {
  type: IncidentType;
  severity: IncidentSeverity;
  title: string;
  description: string;
  affectedUsers?: string[];
  affectedCustomers?: string[];
  affectedSystems?: string[];
  /** Where the affected people live (US-CO...): the breach laws whose deadlines apply. */
  jurisdictions?: string[];
}

/** An incident as it is opened: by hand, or by a rule (one per rule, subject and window). */
export interface OpenIncident extends IncidentInput {
  source: IncidentSource;
  ruleKey?: string | null;
  subject?: string | null;
  dedupeKey?: string | null;
  firstEventAt?: Date | null;
  detectedAt?: Date;
  /** Audit events that are its evidence from the start (a rule's first and triggering events). */
  evidence?: string[];
  /** What the rule saw (counts, window), kept on the timeline. */
  detection?: Record<string, unknown>;
}

export type IncidentChanges = Partial<Omit<IncidentInput, 'type'>> & { type?: IncidentType };

export interface IncidentFilter {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  type?: IncidentType;
}

export const SYSTEM_DETECTION: AuditActor = { type: ActorType.System, id: 'detection' };
const MAX_PAGE = 100;
const ER_DUP_ENTRY = 1062;

/**
 * Incidents: opening (by hand or by detection), the status machine, the timeline (every change,
 * note, action and alert), assignment and the on-call schedule, and the notification deadlines of
 * data breaches. Each change commits with its timeline entry and its audit event.
 */
@Injectable()
export class IncidentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
  ) {}

  report(ctx: RequestContext, input: IncidentInput): Promise<IncidentEntity> {
    return this.dataSource.transaction(async (m) => {
      const incident = await this.open(
        m,
        { ...input, source: IncidentSource.Manual, firstEventAt: null },
        actorOf(ctx),
      );
      // A manual report has no dedupe key: it always opens.
      return incident!;
    });
  }

  /**
   * Opens an incident in the caller's transaction; null when a rule's incident for this subject
   * and window already exists. A critical one is assigned to whoever is on call and paged.
   */
  async open(
    m: EntityManager,
    input: OpenIncident,
    actor: AuditActor,
  ): Promise<IncidentEntity | null> {
    const jurisdictions = this.jurisdictions(input.jurisdictions ?? []);
    const now = new Date();
    const incident = m.getRepository(IncidentEntity).create({
      id: uuidv7(),
      type: input.type,
      severity: input.severity,
      status: IncidentStatus.Open,
      title: input.title,
      description: input.description,
      affectedUsers: input.affectedUsers ?? [],
      affectedCustomers: input.affectedCustomers ?? [],
      affectedSystems: input.affectedSystems ?? [],
      jurisdictions,
      source: input.source,
      ruleKey: input.ruleKey ?? null,
      subject: input.subject ?? null,
      dedupeKey: input.dedupeKey ?? null,
      reportedBy: actor.type === ActorType.System ? null : (actor.id ?? null),
      assigneeId: null,
      firstEventAt: input.firstEventAt ?? null,
      detectedAt: input.detectedAt ?? now,
      acknowledgedAt: null,
      containedAt: null,
      resolvedAt: null,
      closedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      // A savepoint: a duplicate (the rule's incident exists) leaves the caller's transaction usable.
      await m.query('SAVEPOINT incident_open');
      await m.getRepository(IncidentEntity).insert(incident);
    } catch (e) {
      if (driverErrorOf(e).errno !== ER_DUP_ENTRY || !input.dedupeKey) throw e;
      await m.query('ROLLBACK TO SAVEPOINT incident_open');
      return null;
    }
    await this.addTimeline(m, incident.id, actor, TimelineKind.Opened, {
      data: { type: incident.type, severity: incident.severity, source: incident.source },
    });
    if (input.detection)
      await this.addTimeline(m, incident.id, actor, TimelineKind.Detection, {
        data: input.detection,
      });
    for (const seq of input.evidence ?? [])
      await this.addTimeline(m, incident.id, actor, TimelineKind.Evidence, { auditSeq: seq });
    if (incident.type === IncidentType.DataBreach) await this.planDeadlines(m, incident);
    await this.audit.record(
      {
        action: 'incident.opened',
        actor,
        resourceType: 'Incident',
        resourceId: incident.id,
        changes: {
          type: incident.type,
          severity: incident.severity,
          source: incident.source,
          rule: incident.ruleKey,
        },
      },
      m,
    );
    if (incident.severity === IncidentSeverity.Critical) await this.page(m, incident, actor);
    return incident;
  }

  async require(id: string, m?: EntityManager, lock = false): Promise<IncidentEntity> {
    const incident = await (m ?? this.dataSource.manager).getRepository(IncidentEntity).findOne({
      where: { id },
      lock: lock ? { mode: 'pessimistic_write' } : undefined,
    });
    if (!incident)
      throw new IncidentsException(IncidentsErrorCode.INCIDENT_NOT_FOUND, 'Incident not found');
    return incident;
  }

  /** Newest first. */
  list(
    filter: IncidentFilter,
    first: number,
    after?: string | null,
  ): Promise<Page<IncidentEntity>> {
    const qb = this.dataSource.getRepository(IncidentEntity).createQueryBuilder('i');
    if (filter.status) qb.andWhere('i.status = :status', { status: filter.status });
    if (filter.severity) qb.andWhere('i.severity = :severity', { severity: filter.severity });
    if (filter.type) qb.andWhere('i.type = :type', { type: filter.type });
    return cursorPage(qb, { property: 'id', order: 'DESC' }, Math.min(first, MAX_PAGE), after);
  }

  /** An incident's history, oldest first. */
  timeline(incidentId: string, first = 100, after?: string | null) {
    const qb = this.dataSource
      .getRepository(IncidentTimelineEntity)
      .createQueryBuilder('t')
      .where('t.incident_id = :incidentId', { incidentId });
    return cursorPage(qb, { property: 'id', order: 'ASC' }, Math.min(first, 500), after);
  }

  deadlines(incidentId: string): Promise<IncidentDeadlineEntity[]> {
    return this.dataSource
      .getRepository(IncidentDeadlineEntity)
      .find({ where: { incidentId }, order: { dueAt: 'ASC' } });
  }

  /** Edits what is known about an incident; a raise to critical pages the on-call. */
  update(ctx: RequestContext, id: string, changes: IncidentChanges): Promise<IncidentEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      const incident = await this.require(id, m, true);
      const before = { type: incident.type, severity: incident.severity };
      const changed: string[] = [];
      const set = <K extends keyof IncidentEntity>(
        key: K,
        value: IncidentEntity[K] | undefined,
      ) => {
        if (value === undefined) return;
        if (JSON.stringify(incident[key]) === JSON.stringify(value)) return;
        incident[key] = value;
        changed.push(key);
      };
      set('type', changes.type);
      set('severity', changes.severity);
      set('title', changes.title);
      set('description', changes.description);
      set('affectedUsers', changes.affectedUsers);
      set('affectedCustomers', changes.affectedCustomers);
      set('affectedSystems', changes.affectedSystems);
      if (changes.jurisdictions !== undefined)
        set('jurisdictions', this.jurisdictions(changes.jurisdictions));
      if (changed.length === 0) return incident;
      incident.updatedAt = new Date();
      await m.getRepository(IncidentEntity).save(incident);
      if (
        incident.type === IncidentType.DataBreach &&
        (changed.includes('type') || changed.includes('jurisdictions'))
      )
        await this.planDeadlines(m, incident);
      await this.addTimeline(m, id, actor, TimelineKind.Updated, {
        data: {
          fields: changed,
          before,
          after: { type: incident.type, severity: incident.severity },
        },
      });
      await this.audit.record(
        {
          action: 'incident.updated',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: {
            fields: changed,
            before,
            after: { type: incident.type, severity: incident.severity },
          },
        },
        m,
      );
      if (
        incident.severity === IncidentSeverity.Critical &&
        before.severity !== IncidentSeverity.Critical &&
        isActive(incident.status)
      )
        await this.page(m, incident, actor);
      return incident;
    });
  }

  /** A status change through the machine; a backward move is a reopen and needs a reason. */
  transition(
    ctx: RequestContext,
    id: string,
    to: IncidentStatus,
    reason?: string | null,
  ): Promise<IncidentEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      const incident = await this.require(id, m, true);
      const from = incident.status;
      const verdict = move(from, to, reason);
      if (!verdict.ok)
        throw verdict.reason === 'REOPEN_NEEDS_REASON'
          ? new IncidentsException(
              IncidentsErrorCode.REOPEN_NEEDS_REASON,
              'Reopening an incident needs a reason',
            )
          : new IncidentsException(
              IncidentsErrorCode.INVALID_TRANSITION,
              `An incident cannot move from ${from} to ${to}`,
              { from, to },
            );
      const now = new Date();
      incident.status = to;
      incident.updatedAt = now;
      if (verdict.kind === 'reopen') {
        incident.resolvedAt = null;
        incident.closedAt = null;
        if (to === IncidentStatus.Open || to === IncidentStatus.Investigating)
          incident.containedAt = null;
      } else {
        incident.acknowledgedAt ??= now;
        if (to === IncidentStatus.Contained) incident.containedAt ??= now;
        if (to === IncidentStatus.Resolved || to === IncidentStatus.Closed) {
          incident.containedAt ??= now;
          incident.resolvedAt ??= now;
        }
        if (to === IncidentStatus.Closed) incident.closedAt = now;
      }
      await m.getRepository(IncidentEntity).save(incident);
      const kind = verdict.kind === 'reopen' ? TimelineKind.Reopened : TimelineKind.Status;
      await this.addTimeline(m, id, actor, kind, {
        text: verdict.kind === 'reopen' ? (reason ?? '').trim() : null,
        data: { from, to },
      });
      await this.audit.record(
        {
          action: verdict.kind === 'reopen' ? 'incident.reopened' : 'incident.status_changed',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: { before: { status: from }, after: { status: to } },
        },
        m,
      );
      return incident;
    });
  }

  /** A note on the timeline (plain text). The audit event records that a note was added, not its text. */
  addNote(ctx: RequestContext, id: string, text: string): Promise<IncidentTimelineEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      await this.require(id, m, true);
      const entry = await this.addTimeline(m, id, actor, TimelineKind.Note, { text: text.trim() });
      await this.audit.record(
        {
          action: 'incident.note_added',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: { entryId: entry.id, length: entry.text?.length ?? 0 },
        },
        m,
      );
      return entry;
    });
  }

  /** Assigns an incident to an active user, who is emailed. */
  assign(ctx: RequestContext, id: string, userId: string): Promise<IncidentEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      const incident = await this.require(id, m, true);
      const user = await this.users.findById(userId, m);
      if (!user || user.status !== UserStatus.Active)
        throw new IncidentsException(
          IncidentsErrorCode.USER_NOT_ASSIGNABLE,
          'Incidents are assigned to active users only',
        );
      const before = incident.assigneeId;
      incident.assigneeId = user.id;
      incident.updatedAt = new Date();
      await m.getRepository(IncidentEntity).save(incident);
      await this.addTimeline(m, id, actor, TimelineKind.Assigned, {
        data: { before, after: user.id },
      });
      await this.audit.record(
        {
          action: 'incident.assigned',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: { before: { userId: before }, after: { userId: user.id } },
        },
        m,
      );
      await this.notifications.enqueue(
        NotificationChannel.Email,
        'incident_assigned',
        user.email,
        incidentMessage('An incident is assigned to you.', incident),
        m,
      );
      return incident;
    });
  }

  /** Links an audit event to an incident as evidence. */
  linkEvidence(
    ctx: RequestContext,
    id: string,
    auditSeq: string,
    text?: string | null,
  ): Promise<IncidentTimelineEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      await this.require(id, m, true);
      const [row] = await m.query<unknown[]>('SELECT 1 FROM audit_events WHERE seq = ?', [
        auditSeq,
      ]);
      if (!row)
        throw new IncidentsException(
          IncidentsErrorCode.AUDIT_EVENT_NOT_FOUND,
          'No audit event has this sequence number',
        );
      const entry = await this.addTimeline(m, id, actor, TimelineKind.Evidence, {
        auditSeq,
        text: text?.trim() || null,
      });
      await this.audit.record(
        {
          action: 'incident.evidence_linked',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: { auditSeq },
        },
        m,
      );
      return entry;
    });
  }

  /** Records that a breach notification was made: its deadline is met. */
  recordNotification(
    ctx: RequestContext,
    id: string,
    rule: string,
  ): Promise<IncidentDeadlineEntity> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      await this.require(id, m, true);
      const deadline = await m
        .getRepository(IncidentDeadlineEntity)
        .findOne({ where: { incidentId: id, rule }, lock: { mode: 'pessimistic_write' } });
      if (!deadline)
        throw new IncidentsException(
          IncidentsErrorCode.UNKNOWN_DEADLINE,
          'This incident has no such notification deadline',
        );
      if (deadline.notifiedAt) return deadline;
      deadline.notifiedAt = new Date();
      await m.getRepository(IncidentDeadlineEntity).save(deadline);
      const late = deadline.notifiedAt > deadline.dueAt;
      await this.addTimeline(m, id, actor, TimelineKind.DeadlineMet, {
        data: { rule, dueAt: deadline.dueAt, late },
      });
      await this.audit.record(
        {
          action: 'incident.breach_notified',
          actor,
          resourceType: 'Incident',
          resourceId: id,
          changes: { rule, dueAt: deadline.dueAt, late },
        },
        m,
      );
      return deadline;
    });
  }

  /**
   * Alerts on deadlines that passed unmet, once each: a timeline entry, a critical audit event
   * (the SIEM hears of it) and an email to the assignee or whoever is on call.
   */
  async alertOverdue(now = new Date()): Promise<number> {
    const due = await this.dataSource.getRepository(IncidentDeadlineEntity).find({
      where: { dueAt: LessThanOrEqual(now), notifiedAt: IsNull(), overdueAlertedAt: IsNull() },
      order: { dueAt: 'ASC' },
      take: 100,
    });
    let alerted = 0;
    for (const d of due) {
      await this.dataSource.transaction(async (m) => {
        const row = await m.getRepository(IncidentDeadlineEntity).findOne({
          where: { incidentId: d.incidentId, rule: d.rule, overdueAlertedAt: IsNull() },
          lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
        });
        if (!row || row.notifiedAt) return;
        const incident = await this.require(row.incidentId, m);
        await m
          .getRepository(IncidentDeadlineEntity)
          .update({ incidentId: row.incidentId, rule: row.rule }, { overdueAlertedAt: now });
        // A closed incident is past its deadlines' point: marked, not alerted.
        if (incident.status === IncidentStatus.Closed) return;
        const overdueBy = Math.round((now.getTime() - row.dueAt.getTime()) / 60_000);
        await this.addTimeline(m, incident.id, SYSTEM_DETECTION, TimelineKind.DeadlineOverdue, {
          data: { rule: row.rule, dueAt: row.dueAt, overdueMinutes: overdueBy },
        });
        await this.audit.record(
          {
            action: 'incident.deadline_overdue',
            actor: SYSTEM_DETECTION,
            resourceType: 'Incident',
            resourceId: incident.id,
            changes: { rule: row.rule, dueAt: row.dueAt, overdueMinutes: overdueBy },
          },
          m,
        );
        const to = incident.assigneeId ?? (await this.onCallAt(now, m))?.userId ?? null;
        const user = to ? await this.users.findById(to, m) : null;
        if (user)
          await this.notifications.enqueue(
            NotificationChannel.Email,
            'incident_deadline_overdue',
            user.email,
            incidentMessage(`The notification deadline ${row.rule} has passed.`, incident),
            m,
          );
        alerted++;
      });
    }
    return alerted;
  }

  // ---- on-call schedule ----

  async addShift(
    ctx: RequestContext,
    input: { userId: string; startsAt: Date; endsAt: Date },
  ): Promise<OnCallShiftEntity> {
    if (!(input.endsAt > input.startsAt))
      throw new IncidentsException(
        IncidentsErrorCode.INVALID_SHIFT,
        'A shift must end after it starts',
      );
    if (input.endsAt.getTime() - input.startsAt.getTime() > 31 * 86_400_000)
      throw new IncidentsException(
        IncidentsErrorCode.INVALID_SHIFT,
        'A shift lasts at most 31 days',
      );
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      const user = await this.users.findById(input.userId, m);
      if (!user || user.status !== UserStatus.Active)
        throw new IncidentsException(
          IncidentsErrorCode.USER_NOT_ASSIGNABLE,
          'Only active users can be on call',
        );
      const shift = m.getRepository(OnCallShiftEntity).create({
        id: uuidv7(),
        userId: user.id,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        createdBy: actor.id ?? null,
        createdAt: new Date(),
      });
      await m.getRepository(OnCallShiftEntity).insert(shift);
      await this.audit.record(
        {
          action: 'oncall.shift_added',
          actor,
          resourceType: 'OnCallShift',
          resourceId: shift.id,
          changes: { userId: user.id, startsAt: shift.startsAt, endsAt: shift.endsAt },
        },
        m,
      );
      return shift;
    });
  }

  removeShift(ctx: RequestContext, id: string): Promise<void> {
    const actor = actorOf(ctx);
    return this.dataSource.transaction(async (m) => {
      const shift = await m.getRepository(OnCallShiftEntity).findOneBy({ id });
      if (!shift)
        throw new IncidentsException(IncidentsErrorCode.SHIFT_NOT_FOUND, 'On-call shift not found');
      await m.getRepository(OnCallShiftEntity).delete({ id });
      await this.audit.record(
        {
          action: 'oncall.shift_removed',
          actor,
          resourceType: 'OnCallShift',
          resourceId: id,
          changes: { userId: shift.userId, startsAt: shift.startsAt, endsAt: shift.endsAt },
        },
        m,
      );
    });
  }

  /** Shifts that overlap [from, to), by start. */
  shifts(from: Date, to: Date): Promise<OnCallShiftEntity[]> {
    return this.dataSource
      .getRepository(OnCallShiftEntity)
      .createQueryBuilder('s')
      .where('s.starts_at < :to AND s.ends_at > :from', { from, to })
      .orderBy('s.starts_at', 'ASC')
      .take(500)
      .getMany();
  }

  /** The shift covering `at`; of overlapping shifts, the one that started last (a swap wins). */
  onCallAt(at: Date, m?: EntityManager): Promise<OnCallShiftEntity | null> {
    return (m ?? this.dataSource.manager).getRepository(OnCallShiftEntity).findOne({
      where: { startsAt: LessThanOrEqual(at), endsAt: MoreThan(at) },
      order: { startsAt: 'DESC', id: 'DESC' },
    });
  }

  /** Appends to an incident's timeline in the caller's transaction. */
  async addTimeline(
    m: EntityManager,
    incidentId: string,
    actor: AuditActor,
    kind: TimelineKind,
    fields: {
      text?: string | null;
      data?: Record<string, unknown> | null;
      auditSeq?: string | null;
    } = {},
  ): Promise<IncidentTimelineEntity> {
    const repo = m.getRepository(IncidentTimelineEntity);
    const entry = repo.create({
      incidentId,
      at: new Date(),
      actorType: actor.type,
      actorId: actor.id ?? null,
      kind,
      text: fields.text ?? null,
      data: fields.data ?? null,
      auditSeq: fields.auditSeq ?? null,
    });
    return repo.save(entry);
  }

  /** Validates breach jurisdictions (the reference data's codes, e.g. US-CO). */
  private jurisdictions(codes: string[]): string[] {
    const unique = [...new Set(codes.map((c) => c.trim().toUpperCase()))];
    const unknown = unique.filter((c) => !isBreachJurisdiction(c));
    if (unknown.length > 0)
      throw new IncidentsException(
        IncidentsErrorCode.UNKNOWN_JURISDICTION,
        'Unknown breach jurisdiction: use the codes of the breach-deadline data (e.g. US-CO)',
        { count: unknown.length },
      );
    return unique.sort();
  }

  /** A data breach's deadlines from its detection: GDPR's 72 hours and the states' laws. */
  private async planDeadlines(m: EntityManager, incident: IncidentEntity): Promise<void> {
    const planned = breachDeadlines(incident.detectedAt, breachRulesFor(incident.jurisdictions));
    const repo = m.getRepository(IncidentDeadlineEntity);
    const existing = new Set((await repo.findBy({ incidentId: incident.id })).map((d) => d.rule));
    for (const d of planned) {
      if (existing.has(d.rule)) continue;
      await repo.insert({
        incidentId: incident.id,
        rule: d.rule,
        dueAt: d.dueAt,
        notifiedAt: null,
        overdueAlertedAt: null,
      });
    }
  }

  /**
   * A critical incident: assigned to the user on call at its detection (if nobody has it yet),
   * who is emailed through the outbox, and a critical audit event (forwarded to the SIEM).
   */
  private async page(m: EntityManager, incident: IncidentEntity, actor: AuditActor): Promise<void> {
    const shift = await this.onCallAt(new Date(), m);
    const onCall = shift ? await this.users.findById(shift.userId, m) : null;
    if (onCall && !incident.assigneeId) {
      incident.assigneeId = onCall.id;
      await m.getRepository(IncidentEntity).update({ id: incident.id }, { assigneeId: onCall.id });
      await this.addTimeline(m, incident.id, actor, TimelineKind.Assigned, {
        data: { before: null, after: onCall.id, onCall: true, shiftId: shift!.id },
      });
    }
    if (onCall)
      await this.notifications.enqueue(
        NotificationChannel.Email,
        'incident_critical',
        onCall.email,
        incidentMessage('A critical incident needs you now.', incident),
        m,
      );
    await this.audit.record(
      {
        action: 'incident.raised_critical',
        actor,
        resourceType: 'Incident',
        resourceId: incident.id,
        changes: {
          type: incident.type,
          rule: incident.ruleKey,
          onCallUserId: onCall?.id ?? null,
          paged: Boolean(onCall),
        },
      },
      m,
    );
  }
}

/** An email about an incident: what happened and where to look; no personal data of anyone. */
function incidentMessage(lead: string, incident: IncidentEntity): string {
  return [
    lead,
    `Incident: ${incident.id}`,
    `Type: ${incident.type}; severity: ${incident.severity}; status: ${incident.status}`,
    `Detected: ${incident.detectedAt.toISOString()}`,
    'Open the CallWarden console (Incidents) for the details and the timeline.',
  ].join('\n');
}
