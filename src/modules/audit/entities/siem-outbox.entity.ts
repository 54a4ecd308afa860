import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Critical audit events waiting to reach the SIEM; written in the same transaction as the event. */
@Entity('audit_siem_outbox')
@Index('ix_siem_due', ['deliveredAt', 'nextAttemptAt'])
export class SiemOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ name: 'audit_seq', type: 'bigint', unsigned: true })
  auditSeq!: string;

  @Column({ type: 'json' })
  payload!: Record<string, unknown>;

  @Column({ type: 'int', unsigned: true, default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt!: Date;

  @Column({ name: 'locked_until', type: 'datetime', precision: 3, nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;
}
