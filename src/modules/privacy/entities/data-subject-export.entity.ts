import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum SubjectExportStatus {
  Building = 'building',
  Ready = 'ready',
  Failed = 'failed',
  /** Past its keeping period: the archive is gone. */
  Expired = 'expired',
}

/**
 * The access / portability export of one data subject request: a zip (export.json, a CSV per
 * section, a README) encrypted under the subject's own key, so erasing the subject (their key is
 * destroyed) makes it unreadable too. Built in the background; progress is counted per section.
 */
@Entity('data_subject_exports')
@Index('ix_subject_exports_request', ['requestId', 'createdAt'])
@Index('ix_subject_exports_status', ['status', 'heartbeatAt'])
export class DataSubjectExportEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'request_id', type: 'char', length: 36 })
  requestId!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ type: 'varchar', length: 16, default: 'json+csv' })
  format!: string;

  @Column({ type: 'enum', enum: SubjectExportStatus, default: SubjectExportStatus.Building })
  status!: SubjectExportStatus;

  @Column({ name: 'sections_total', type: 'smallint', unsigned: true, default: 0 })
  sectionsTotal!: number;

  @Column({ name: 'sections_done', type: 'smallint', unsigned: true, default: 0 })
  sectionsDone!: number;

  @Column({ name: 'rows_done', type: 'int', unsigned: true, default: 0 })
  rowsDone!: number;

  /** Size of the plaintext archive. */
  @Column({ type: 'bigint', unsigned: true, nullable: true })
  bytes!: string | null;

  /** SHA-256 of the plaintext archive (checked again on every download). */
  @Column({ type: 'binary', length: 32, nullable: true })
  sha256!: Buffer | null;

  /** The archive sealed under the subject's key (CryptoService.sealForSubject); never selected by default. */
  @Column({ name: 'archive_enc', type: 'longblob', nullable: true, select: false })
  archiveEnc!: Buffer | null;

  /** Who builds it now: a build whose token was replaced (restarted elsewhere) writes nothing. */
  @Column({ name: 'build_token', type: 'char', length: 36, nullable: true })
  buildToken!: string | null;

  /** Renewed with every section: a building export without a recent heartbeat lost its process. */
  @Column({ name: 'heartbeat_at', type: 'datetime', precision: 3, nullable: true })
  heartbeatAt!: Date | null;

  /** Builds started (a restart after a crash counts); given up after three. */
  @Column({ type: 'tinyint', unsigned: true, default: 1 })
  attempts!: number;

  @Column({ type: 'int', unsigned: true, default: 0 })
  downloads!: number;

  @Column({ name: 'last_downloaded_at', type: 'datetime', precision: 3, nullable: true })
  lastDownloadedAt!: Date | null;

  /** Why the build failed (a stable code, never a message). */
  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'ready_at', type: 'datetime', precision: 3, nullable: true })
  readyAt!: Date | null;

  /** After this the archive is dropped (status expired). */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;
}
