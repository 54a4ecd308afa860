import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum OneTimeTokenKind {
  MfaChallenge = 'mfa_challenge',
  PasswordReset = 'password_reset',
  /** Passkey challenges (WebAuthn), one kind per purpose: a challenge never serves another. */
  PasskeyRegister = 'webauthn_register',
  PasskeySignIn = 'webauthn_sign_in',
  PasskeyStepUp = 'webauthn_step_up',
}

/**
 * Short-lived single-use tokens (stored as SHA-256): the MFA step of a login, a password reset, a
 * passkey challenge.
 */
@Entity('one_time_tokens')
export class OneTimeTokenEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'enum', enum: OneTimeTokenKind })
  kind!: OneTimeTokenKind;

  @Column({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  @Index({ unique: true })
  @Column({ name: 'token_hash', type: 'binary', length: 32 })
  tokenHash!: Buffer;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;

  @Column({ type: 'int', unsigned: true, default: 0 })
  attempts!: number;

  /**
   * What a passkey challenge is bound to besides its user: the session that asked for it
   * (registration, step-up) or the MFA challenge of the sign-in (sign-in). Null for other kinds.
   */
  @Column({ name: 'bound_to', type: 'char', length: 36, nullable: true })
  boundTo!: string | null;
}
