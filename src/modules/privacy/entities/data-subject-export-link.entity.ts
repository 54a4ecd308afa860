import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A one-time download link of an export: `/privacy/exports/<id>?exp=<ms>&sig=<keyId>.<mac>`, the
 * MAC an HMAC-SHA256 (the `secrets` data key) over the id and the expiry. Only the SHA-256 of the
 * signature is kept; the first download sets `used_at` in one conditional UPDATE.
 */
@Entity('data_subject_export_links')
@Index('ix_subject_export_links_export', ['exportId'])
export class DataSubjectExportLinkEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'export_id', type: 'char', length: 36 })
  exportId!: string;

  /** The `secrets` key the link was signed with. */
  @Column({ name: 'sig_key_id', type: 'int', unsigned: true })
  sigKeyId!: number;

  /** SHA-256 of the signature in the URL. */
  @Column({ name: 'token_hash', type: 'binary', length: 32 })
  tokenHash!: Buffer;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'issued_by', type: 'varchar', length: 64 })
  issuedBy!: string;

  @Column({ name: 'issued_at', type: 'datetime', precision: 3 })
  issuedAt!: Date;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;

  /** HMAC of the downloading address (the `secrets` key): comparable, not readable. */
  @Column({ name: 'used_ip_hash', type: 'binary', length: 32, nullable: true })
  usedIpHash!: Buffer | null;
}
