import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ActorType } from '../../audit';

export enum TimelineKind {
  Opened = 'opened',
  Detection = 'detection',
  Status = 'status',
  Reopened = 'reopened',
  Note = 'note',
  Assigned = 'assigned',
  Updated = 'updated',
  Evidence = 'evidence',
  Action = 'action',
  ActionReversed = 'action_reversed',
  DeadlineMet = 'deadline_met',
  DeadlineOverdue = 'deadline_overdue',
}

/** One entry of an incident's history: every change, note, action and alert, in order. */
@Entity('incident_timeline')
@Index('ix_incident_timeline_incident', ['incidentId', 'id'])
export class IncidentTimelineEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ name: 'incident_id', type: 'char', length: 36 })
  incidentId!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  @Column({ name: 'actor_type', type: 'enum', enum: ActorType })
  actorType!: ActorType;

  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 32 })
  kind!: TimelineKind;

  /** A note's text (plain text), or the reason of a reopen. */
  @Column({ type: 'text', nullable: true })
  text!: string | null;

  @Column({ type: 'json', nullable: true })
  data!: Record<string, unknown> | null;

  /** Evidence: the audit event this entry points to. */
  @Column({ name: 'audit_seq', type: 'bigint', unsigned: true, nullable: true })
  auditSeq!: string | null;
}
