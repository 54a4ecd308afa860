import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A passkey (WebAuthn credential) of a staff user: a second factor after the password, and for
 * step-up. The public key never leaves the service; a revoked credential is never accepted again
 * (its row stays, for investigations, and keeps its credential id from being registered again).
 */
@Entity('webauthn_credentials')
@Index('ix_webauthn_user', ['userId', 'revokedAt'])
export class WebAuthnCredentialEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  /** The authenticator's credential id, base64url (case-sensitive: a binary collation). */
  @Index('uq_webauthn_credential_id', { unique: true })
  @Column({
    name: 'credential_id',
    type: 'varchar',
    length: 1366,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  credentialId!: string;

  /** The COSE public key as the authenticator gave it. */
  @Column({ name: 'public_key', type: 'blob' })
  publicKey!: Buffer;

  /** The last signature counter seen (0: the authenticator keeps none). BIGINT: a string. */
  @Column({ name: 'sign_count', type: 'bigint', unsigned: true, default: 0 })
  signCount!: string;

  /** How the browser may reach the authenticator (usb, nfc, ble, internal, hybrid, ...). */
  @Column({ type: 'json', nullable: true })
  transports!: string[] | null;

  /** `singleDevice` or `multiDevice` (a synced passkey). */
  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType!: string;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp!: boolean;

  /** The user's label for it ("YubiKey 5", "Work laptop"). */
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
