import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum CryptoKeyStatus {
  Active = 'active',
  DecryptOnly = 'decrypt_only',
  /** Retired: readable, every use an alert, destroyed at `destroyAfter` unless cancelled. */
  ScheduledDestruction = 'scheduled_destruction',
  Destroyed = 'destroyed',
}

/** A data key, stored only wrapped by the KMS. Shared purposes are versioned; subject keys are one per subject. */
@Entity('crypto_keys')
@Index(['purpose', 'version'], { unique: true })
export class CryptoKeyEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  purpose!: string;

  @Column({ type: 'smallint', unsigned: true })
  version!: number;

  @Column({ type: 'enum', enum: CryptoKeyStatus })
  status!: CryptoKeyStatus;

  /** Per-subject keys (crypto-shredding): the subject, e.g. a customer id. */
  @Index({ unique: true })
  @Column({ name: 'subject_id', type: 'char', length: 36, nullable: true })
  subjectId!: string | null;

  /** NULL once destroyed: nothing left to unwrap. */
  @Column({ name: 'wrapped_key', type: 'varbinary', length: 255, nullable: true })
  wrappedKey!: Buffer | null;

  @Column({ name: 'master_key_version', type: 'varchar', length: 32 })
  masterKeyVersion!: string;

  @Column({ name: 'kms_provider', type: 'varchar', length: 32 })
  kmsProvider!: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'rotated_at', type: 'datetime', precision: 3, nullable: true })
  rotatedAt!: Date | null;

  /** When a key scheduled for destruction is destroyed (the waiting period's end). */
  @Column({ name: 'destroy_after', type: 'datetime', precision: 3, nullable: true })
  destroyAfter!: Date | null;

  @Column({ name: 'destroyed_at', type: 'datetime', precision: 3, nullable: true })
  destroyedAt!: Date | null;
}
