import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedField } from '../../crypto';

/** received -> verifying -> in_progress -> completed | rejected. */
export enum DsrStatus {
  Received = 'received',
  Verifying = 'verifying',
  InProgress = 'in_progress',
  Completed = 'completed',
  Rejected = 'rejected',
}

export const OPEN_STATUSES = [DsrStatus.Received, DsrStatus.Verifying, DsrStatus.InProgress];

export enum DsrRegime {
  Gdpr = 'gdpr',
  Ccpa = 'ccpa',
}

export enum DsrType {
  /** GDPR Art. 15; CCPA 1798.110 (right to know). */
  Access = 'access',
  /** GDPR Art. 20; CCPA 1798.130(a)(3)(B)(iii) (a portable, machine-readable copy). */
  Portability = 'portability',
  /** GDPR Art. 16; CCPA 1798.106 (right to correct). */
  Rectification = 'rectification',
  /** GDPR Art. 18. */
  Restriction = 'restriction',
  /** GDPR Art. 17; CCPA 1798.105. */
  Erasure = 'erasure',
  /** CCPA 1798.120: opt-out of sale or sharing. */
  OptOutSale = 'opt_out_sale',
  /** CCPA 1798.121: limit the use of sensitive personal information. */
  LimitUse = 'limit_use',
}

/** Why a request may be refused: GDPR Art. 12(5), 17(3) and CCPA 1798.105(d), 1798.145. */
export enum DsrDenialReason {
  IdentityNotVerified = 'identity_not_verified',
  LegalObligation = 'legal_obligation',
  LegalClaims = 'legal_claims',
  ManifestlyUnfounded = 'manifestly_unfounded',
  Excessive = 'excessive',
  Duplicate = 'duplicate',
  ExemptionApplies = 'exemption_applies',
}

export enum DsrLookup {
  CustomerId = 'customer_id',
  Email = 'email',
  Phone = 'phone',
}

export enum DsrVerificationMethod {
  /** A one-time code sent to the contact on file, read back by the subject. */
  Code = 'code',
  /** A staff member attests they verified the subject, with evidence. */
  Attestation = 'attestation',
  /** CCPA opt-outs must not require a verified request (11 CCR 7026(d), 7027(e)). */
  NotRequired = 'not_required',
}

export enum VerificationChannel {
  Email = 'email',
  Sms = 'sms',
}

export type DsrChannel = 'phone' | 'email' | 'web' | 'mail' | 'agent';

/**
 * A data subject's request under GDPR or the CCPA. Holds no personal data in clear: the customer
 * id is a pseudonym; the attestation evidence and a rectification's previous values are encrypted
 * under the subject's own key (shredded with the customer on erasure).
 */
@Entity('data_subject_requests')
export class DataSubjectRequestEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ type: 'enum', enum: DsrType })
  type!: DsrType;

  @Column({ type: 'enum', enum: DsrRegime })
  regime!: DsrRegime;

  @Column({ type: 'enum', enum: DsrStatus, default: DsrStatus.Received })
  status!: DsrStatus;

  @Column({ name: 'received_via', type: 'enum', enum: ['phone', 'email', 'web', 'mail', 'agent'] })
  receivedVia!: DsrChannel;

  /** How the subject was found: by customer id, or by email or phone through the blind index. */
  @Column({ name: 'found_by', type: 'enum', enum: DsrLookup, default: DsrLookup.CustomerId })
  foundBy!: DsrLookup;

  @Column({ name: 'denial_reason', type: 'enum', enum: DsrDenialReason, nullable: true })
  denialReason!: DsrDenialReason | null;

  /** Told to the subject with the refusal; plain text. */
  @Column({ name: 'rejection_note', type: 'varchar', length: 1000, nullable: true })
  rejectionNote!: string | null;

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

  @Column({
    name: 'verification_method',
    type: 'enum',
    enum: DsrVerificationMethod,
    nullable: true,
  })
  verificationMethod!: DsrVerificationMethod | null;

  @Column({
    name: 'verification_channel',
    type: 'enum',
    enum: VerificationChannel,
    nullable: true,
  })
  verificationChannel!: VerificationChannel | null;

  /** SHA-256 of the request id and the one-time code; null once used or never sent. */
  @Column({ name: 'verification_code_hash', type: 'binary', length: 32, nullable: true })
  verificationCodeHash!: Buffer | null;

  @Column({ name: 'verification_expires_at', type: 'datetime', precision: 3, nullable: true })
  verificationExpiresAt!: Date | null;

  /** Wrong codes entered against the current code. */
  @Column({ name: 'verification_attempts', type: 'tinyint', unsigned: true, default: 0 })
  verificationAttempts!: number;

  /** Codes sent for this request. */
  @Column({ name: 'verification_sends', type: 'tinyint', unsigned: true, default: 0 })
  verificationSends!: number;

  @Column({ name: 'verified_at', type: 'datetime', precision: 3, nullable: true })
  verifiedAt!: Date | null;

  @Column({ name: 'verified_by', type: 'varchar', length: 64, nullable: true })
  verifiedBy!: string | null;

  /** What the attesting staff member checked (may name the subject's documents). */
  @EncryptedField({ cipherProperty: 'attestationCipher', subjectProperty: 'customerId' })
  attestation!: string | null;
  @Column({ name: 'attestation_enc', type: 'varbinary', length: 4096, nullable: true })
  attestationCipher!: Buffer | null;

  /** A completed rectification's previous values (JSON), kept to reverse it. */
  @EncryptedField({ cipherProperty: 'rectificationCipher', subjectProperty: 'customerId' })
  rectification!: string | null;
  @Column({ name: 'rectification_enc', type: 'varbinary', length: 4096, nullable: true })
  rectificationCipher!: Buffer | null;

  @Column({ name: 'requested_by', type: 'varchar', length: 64 })
  requestedBy!: string;

  @Column({ name: 'resolved_by', type: 'varchar', length: 64, nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'reversed_at', type: 'datetime', precision: 3, nullable: true })
  reversedAt!: Date | null;

  @Column({ name: 'reversed_by', type: 'varchar', length: 64, nullable: true })
  reversedBy!: string | null;

  @Column({ name: 'reversal_reason', type: 'varchar', length: 1000, nullable: true })
  reversalReason!: string | null;

  @Column({ name: 'tasks_cancelled', type: 'int', unsigned: true, default: 0 })
  tasksCancelled!: number;

  /** The suppression the request placed (erasure on receipt, restriction on completion). */
  @Column({ name: 'dnc_entry_id', type: 'char', length: 36, nullable: true })
  dncEntryId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
