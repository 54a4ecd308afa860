import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EncryptedField } from '../../crypto';

export enum ConsentSource {
  WebForm = 'web_form',
  PhoneCall = 'phone_call',
  EmailReply = 'email_reply',
  SmsKeyword = 'sms_keyword',
  Paper = 'paper',
  Api = 'api',
  Agent = 'agent',
}

/** One consent event (granted or revoked). History is append-only; the latest record decides. */
@Entity('consents')
@Index('ix_consents_customer', ['customerId', 'channel', 'purpose', 'effectiveAt'])
export class ConsentEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ type: 'enum', enum: ['call', 'sms', 'email'] })
  channel!: 'call' | 'sms' | 'email';

  @Column({ type: 'enum', enum: ['collection', 'marketing'] })
  purpose!: 'collection' | 'marketing';

  @Column({ type: 'boolean' })
  granted!: boolean;

  @Column({ type: 'enum', enum: ConsentSource })
  source!: ConsentSource;

  /** JSON of ip, user agent, form URL and text version, recording reference: encrypted. */
  @EncryptedField({ cipherProperty: 'evidenceCipher' })
  evidence!: string | null;
  @Column({ name: 'evidence_enc', type: 'varbinary', length: 4096, nullable: true })
  evidenceCipher!: Buffer | null;
  /** SHA-256 of the evidence as recorded: decisions name it, evidence packs check it. */
  @Column({ name: 'evidence_hash', type: 'binary', length: 32, nullable: true })
  evidenceHash!: Buffer | null;

  @Column({ name: 'effective_at', type: 'datetime', precision: 3 })
  effectiveAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'recorded_by', type: 'varchar', length: 64, nullable: true })
  recordedBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
