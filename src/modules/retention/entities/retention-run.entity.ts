import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ActorType } from '../../audit';

export enum RetentionRunStatus {
  Running = 'running',
  Completed = 'completed',
  Interrupted = 'interrupted',
}

/**
 * One retention purge. A row still `running` once the purge lock is free belongs to a process that
 * died (the lock goes with its connection): the next run closes it as `interrupted` and reports it.
 * `counts` grows as work commits, so an interrupted row says how far its run got.
 */
@Entity('retention_runs')
@Index('ix_retention_runs_status', ['status'])
export class RetentionRunEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Column({ type: 'enum', enum: RetentionRunStatus })
  status!: RetentionRunStatus;

  @Column({ name: 'actor_type', type: 'enum', enum: ActorType })
  actorType!: ActorType;

  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;

  /** Rows removed (customers erased) per rule so far. */
  @Column({ type: 'json' })
  counts!: Record<string, number>;

  /** The rule being worked on; null before the first and once the run is over. */
  @Column({ name: 'current_rule', type: 'varchar', length: 64, nullable: true })
  currentRule!: string | null;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;
}
