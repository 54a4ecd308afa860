import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A notification a data breach owes (GDPR's authority, a state's residents...), and by when. */
@Entity('incident_deadlines')
export class IncidentDeadlineEntity {
  @PrimaryColumn({ name: 'incident_id', type: 'char', length: 36 })
  incidentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  rule!: string;

  @Index('ix_incident_deadlines_due')
  @Column({ name: 'due_at', type: 'datetime', precision: 3 })
  dueAt!: Date;

  /** When the notification was made (recorded by hand): the deadline is met. */
  @Column({ name: 'notified_at', type: 'datetime', precision: 3, nullable: true })
  notifiedAt!: Date | null;

  /** When the overdue alert went out (once). */
  @Column({ name: 'overdue_alerted_at', type: 'datetime', precision: 3, nullable: true })
  overdueAlertedAt!: Date | null;
}
