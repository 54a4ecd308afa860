import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One refresh token of a session (stored as SHA-256). Used once: each use rotates it. */
@Entity('refresh_tokens')
@Index('ix_refresh_session', ['sessionId'])
export class RefreshTokenEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'session_id', type: 'char', length: 36 })
  sessionId!: string;

  @Index({ unique: true })
  @Column({ name: 'token_hash', type: 'binary', length: 32 })
  tokenHash!: Buffer;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;
}
