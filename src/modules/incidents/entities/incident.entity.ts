import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IncidentSeverity, IncidentStatus, IncidentType } from '../incident-workflow';

export enum IncidentSource {
  Manual = 'manual',
  Detection = 'detection',
}

/**
 * A security incident: reported by hand or opened by a detection rule (then `ruleKey`, `subject`
 * and `dedupeKey`: one incident per rule, subject and window). Its history is its timeline.
 */
@Entity('incidents')
@Index('ix_incidents_status_severity', ['status', 'severity'])
export class IncidentEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'enum', enum: IncidentType })
  type!: IncidentType;

  @Column({ type: 'enum', enum: IncidentSeverity })
  severity!: IncidentSeverity;

  @Column({ type: 'enum', enum: IncidentStatus })
  status!: IncidentStatus;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  /** Plain text: never rendered as HTML by anything of ours. */
  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'affected_users', type: 'json' })
  affectedUsers!: string[];

  @Column({ name: 'affected_customers', type: 'json' })
  affectedCustomers!: string[];

  @Column({ name: 'affected_systems', type: 'json' })
  affectedSystems!: string[];

  /** Where the affected people live (US-CO, ...): which breach laws' deadlines apply. */
  @Column({ type: 'json' })
  jurisdictions!: string[];

  @Column({ type: 'enum', enum: IncidentSource })
  source!: IncidentSource;

  @Column({ name: 'rule_key', type: 'varchar', length: 64, nullable: true })
  ruleKey!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  subject!: string | null;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 191, nullable: true, unique: true })
  dedupeKey!: string | null;

  @Column({ name: 'reported_by', type: 'varchar', length: 64, nullable: true })
  reportedBy!: string | null;

  @Column({ name: 'assignee_id', type: 'char', length: 36, nullable: true })
  assigneeId!: string | null;

  /** When the first event behind a detected incident happened (mean time to detect). */
  @Column({ name: 'first_event_at', type: 'datetime', precision: 3, nullable: true })
  firstEventAt!: Date | null;

  @Index('ix_incidents_detected')
  @Column({ name: 'detected_at', type: 'datetime', precision: 3 })
  detectedAt!: Date;

  /** First move out of `open` (someone looked at it). */
  @Column({ name: 'acknowledged_at', type: 'datetime', precision: 3, nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'contained_at', type: 'datetime', precision: 3, nullable: true })
  containedAt!: Date | null;

  @Index('ix_incidents_resolved')
  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
