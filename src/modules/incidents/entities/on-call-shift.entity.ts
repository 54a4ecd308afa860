import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Who is on call when: critical incidents go to the user of the shift that covers their detection. */
@Entity('on_call_shifts')
@Index('ix_on_call_shifts_window', ['startsAt', 'endsAt'])
export class OnCallShiftEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  @Column({ name: 'starts_at', type: 'datetime', precision: 3 })
  startsAt!: Date;

  @Column({ name: 'ends_at', type: 'datetime', precision: 3 })
  endsAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
