import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A signed-in session: what a refresh token belongs to and what every request checks is still live. */
@Entity('sessions')
@Index('ix_sessions_user', ['userId', 'revokedAt'])
export class SessionEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3 })
  lastSeenAt!: Date;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 64, nullable: true })
  revokedReason!: string | null;

  /** Authentication methods: pwd, otp, backup. */
  @Column({ type: 'json' })
  amr!: string[];

  @Column({ name: 'auth_time', type: 'datetime', precision: 3 })
  authTime!: Date;

  /** Last MFA check (login or step-up): sensitive operations need one within 10 minutes. */
  @Column({ name: 'mfa_verified_at', type: 'datetime', precision: 3, nullable: true })
  mfaVerifiedAt!: Date | null;

  /** Limited session of an admin who must enroll MFA before anything else. */
  @Column({ name: 'enrollment_only', type: 'boolean', default: false })
  enrollmentOnly!: boolean;
}
