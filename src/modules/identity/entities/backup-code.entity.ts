import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One MFA backup code (stored as SHA-256), single use. */
@Entity('mfa_backup_codes')
@Index('ix_backup_user', ['userId', 'codeHash'], { unique: true })
export class BackupCodeEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  @Column({ name: 'code_hash', type: 'binary', length: 32 })
  codeHash!: Buffer;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;
}
