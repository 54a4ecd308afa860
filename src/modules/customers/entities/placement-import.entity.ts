import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum PlacementImportStatus {
  Validating = 'validating',
  Writing = 'writing',
  Completed = 'completed',
  /** A row was bad: nothing was written; `errors` says which. */
  Rejected = 'rejected',
  /** The write failed (or its process died): rolled back, nothing was written. */
  Failed = 'failed',
}

/** One row's problem: the file's line (the header is line 1), a stable code, the column. */
export interface PlacementRowError {
  line: number;
  code: string;
  column: string | null;
  message: string;
}

/**
 * A bulk placement import and its progress, written on its own connection while the import runs
 * so that a query sees it move (the import's data commits in one transaction at the end).
 */
@Entity('placement_imports')
@Index('ix_placement_imports_creator', ['createdBy', 'startedAt'])
export class PlacementImportEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'enum', enum: PlacementImportStatus })
  status!: PlacementImportStatus;

  @Column({ name: 'rows_total', type: 'int', unsigned: true, default: 0 })
  rowsTotal!: number;

  /** Rows validated (while validating), then rows written (while writing). */
  @Column({ name: 'rows_done', type: 'int', unsigned: true, default: 0 })
  rowsDone!: number;

  @Column({ name: 'error_count', type: 'int', unsigned: true, default: 0 })
  errorCount!: number;

  /** At most the first 100 row errors. */
  @Column({ type: 'json', nullable: true })
  errors!: PlacementRowError[] | null;

  @Column({ name: 'customers_created', type: 'int', unsigned: true, default: 0 })
  customersCreated!: number;

  @Column({ name: 'debts_created', type: 'int', unsigned: true, default: 0 })
  debtsCreated!: number;

  @Column({ name: 'debts_updated', type: 'int', unsigned: true, default: 0 })
  debtsUpdated!: number;

  @Column({ name: 'debts_unchanged', type: 'int', unsigned: true, default: 0 })
  debtsUnchanged!: number;

  @Column({ type: 'int', unsigned: true, default: 0 })
  bytes!: number;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt!: Date;

  /** Written with every progress update: an import whose process died stops beating. */
  @Column({ name: 'heartbeat_at', type: 'datetime', precision: 3, nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'validated_at', type: 'datetime', precision: 3, nullable: true })
  validatedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;
}
