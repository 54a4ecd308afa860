import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export enum ReencryptionStatus {
  Running = 'running',
  Completed = 'completed',
}

/** Progress of moving one purpose's rows to its active key version; the cursor makes it resumable. */
@Entity('crypto_reencryption_jobs')
export class ReencryptionJobEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  purpose!: string;

  @Column({ name: 'target_key_id', type: 'int', unsigned: true })
  targetKeyId!: number;

  @Column({ type: 'enum', enum: ReencryptionStatus })
  status!: ReencryptionStatus;

  /** Per table: the last row id done. */
  @Column({ name: 'progress_cursor', type: 'json' })
  cursor!: Record<string, string>;

  @Column({ name: 'rows_scanned', type: 'int', unsigned: true, default: 0 })
  rowsScanned!: number;

  @Column({ name: 'rows_reencrypted', type: 'int', unsigned: true, default: 0 })
  rowsReencrypted!: number;

  @Column({ name: 'rows_total', type: 'int', unsigned: true, default: 0 })
  rowsTotal!: number;

  @CreateDateColumn({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;
}
