import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum DsrStatus {
  Received = 'received',
  Completed = 'completed',
  Denied = 'denied',
}

export enum DsrRegime {
  Gdpr = 'gdpr',
  Ccpa = 'ccpa',
}

/** Why an erasure may be refused: the exemptions GDPR Art. 17(3) and CCPA 1798.105(d) allow. */
export enum DsrDenialReason {
  IdentityNotVerified = 'identity_not_verified',
  LegalObligation = 'legal_obligation',
  LegalClaims = 'legal_claims',
}

/**
 * A data subject's request (GDPR Art. 17 / CCPA 1798.105 erasure). Contact stops the moment it is
 * received; erasure itself runs when a privacy officer completes it. Holds no personal data of its
 * own: the customer id is a pseudonym whose record is emptied on completion.
 */
@Entity('data_subject_requests')
export class DataSubjectRequestEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ type: 'enum', enum: ['erasure'] })
  type!: 'erasure';

  @Column({ type: 'enum', enum: DsrRegime })
  regime!: DsrRegime;

  @Column({ type: 'enum', enum: DsrStatus, default: DsrStatus.Received })
  status!: DsrStatus;

  @Column({ name: 'received_via', type: 'enum', enum: ['phone', 'email', 'web', 'mail', 'agent'] })
  receivedVia!: 'phone' | 'email' | 'web' | 'mail' | 'agent';

  @Column({ name: 'denial_reason', type: 'enum', enum: DsrDenialReason, nullable: true })
  denialReason!: DsrDenialReason | null;

  /** The statutory deadline: one month under GDPR, 45 days under the CCPA. */
  @Column({ name: 'due_at', type: 'datetime', precision: 3 })
  dueAt!: Date;

  /** The due date before the one extension the law allows (null: not extended). */
  @Column({ name: 'original_due_at', type: 'datetime', precision: 3, nullable: true })
  originalDueAt!: Date | null;

  @Column({ name: 'extended_at', type: 'datetime', precision: 3, nullable: true })
  extendedAt!: Date | null;

  /** Why more time is needed (told to the subject); plain text. */
  @Column({ name: 'extension_reason', type: 'varchar', length: 1000, nullable: true })
  extensionReason!: string | null;

  @Column({ name: 'requested_by', type: 'varchar', length: 64 })
  requestedBy!: string;

  @Column({ name: 'resolved_by', type: 'varchar', length: 64, nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'tasks_cancelled', type: 'int', unsigned: true, default: 0 })
  tasksCancelled!: number;

  /** The suppression placed when the request arrived (lifted if the request is denied). */
  @Column({ name: 'dnc_entry_id', type: 'char', length: 36, nullable: true })
  dncEntryId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
