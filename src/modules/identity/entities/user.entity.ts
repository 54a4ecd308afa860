import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { maskEmail, maskName } from '../../../core/pii/mask';
import { EncryptedField } from '../../crypto';

export enum UserStatus {
  Active = 'active',
  Disabled = 'disabled',
  Locked = 'locked',
}

/** A staff member. Email and name are encrypted; email is unique through its blind index. */
@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @EncryptedField({
    cipherProperty: 'emailCipher',
    blindIndex: { kind: 'email', property: 'emailBidx' },
    hint: { property: 'emailMasked', mask: maskEmail },
  })
  email!: string;
  @Column({ name: 'email_enc', type: 'varbinary', length: 640 })
  emailCipher!: Buffer;
  @Index({ unique: true })
  @Column({ name: 'email_bidx', type: 'binary', length: 32 })
  emailBidx!: Buffer;
  @Column({ name: 'email_masked', type: 'varchar', length: 260 })
  emailMasked!: string;

  @EncryptedField({
    cipherProperty: 'displayNameCipher',
    hint: { property: 'displayNameMasked', mask: maskName },
  })
  displayName!: string;
  @Column({ name: 'display_name_enc', type: 'varbinary', length: 512 })
  displayNameCipher!: Buffer;
  @Column({ name: 'display_name_masked', type: 'varchar', length: 16 })
  displayNameMasked!: string;

  @Column({ type: 'varchar', length: 64 })
  role!: string;

  @Column({ name: 'team_id', type: 'varchar', length: 64, nullable: true })
  teamId!: string | null;

  @Column({ type: 'enum', enum: UserStatus, default: UserStatus.Active })
  status!: UserStatus;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'password_changed_at', type: 'datetime', precision: 3 })
  passwordChangedAt!: Date;

  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled!: boolean;

  /** TOTP secret (base32), encrypted under the `secrets` key. Pending until confirmed. */
  @EncryptedField({ cipherProperty: 'totpSecretCipher', purpose: 'secrets' })
  totpSecret!: string | null;
  @Column({ name: 'totp_secret_enc', type: 'varbinary', length: 255, nullable: true })
  totpSecretCipher!: Buffer | null;

  /** The last TOTP time step accepted: a code is never accepted twice. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep!: string | null;

  @Column({ name: 'mfa_enrolled_at', type: 'datetime', precision: 3, nullable: true })
  mfaEnrolledAt!: Date | null;

  /** Set by an incident's containment: the next sign-in may only enroll a new authenticator. */
  @Column({ name: 'mfa_reenroll_required', type: 'boolean', default: false })
  mfaReenrollRequired!: boolean;

  @Column({ name: 'last_login_at', type: 'datetime', precision: 3, nullable: true })
  lastLoginAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
