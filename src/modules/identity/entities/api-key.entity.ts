import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An integration's key, shown once as `cw_<prefix>_<secret>`. Stored as the prefix (unique index:
 * validation is one lookup whatever the number of keys) and the SHA-256 of the 256-bit secret.
 */
@Entity('api_keys')
@Index('ix_api_keys_owner', ['ownerId'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'char', length: 16 })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'binary', length: 32 })
  secretHash!: Buffer;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'owner_id', type: 'char', length: 36 })
  ownerId!: string;

  /** Permissions as `action:Subject`, a subset of the creator's. */
  @Column({ type: 'json' })
  scopes!: string[];

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'last_used_ip', type: 'varchar', length: 45, nullable: true })
  lastUsedIp!: string | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  /** After a rotation the old key keeps working until this time. */
  @Column({ name: 'grace_until', type: 'datetime', precision: 3, nullable: true })
  graceUntil!: Date | null;
}
