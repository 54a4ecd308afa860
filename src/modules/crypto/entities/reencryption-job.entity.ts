import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export enum ReencryptionStatus {
  /** Open, owned by nobody: the next run (CLI or app) claims it. */
  Pending = 'pending',
  /** Owned by the process named in `owner` until `leaseExpiresAt`, renewed with every batch. */
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

  /** host:pid:nonce of the process running it (status running only). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  owner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'datetime', precision: 3, nullable: true })
  leaseExpiresAt!: Date | null;

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
