import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { maskEmail } from '../../../core/pii/mask';
import { EncryptedField } from '../../crypto/encrypted-field.decorator';

export enum NotificationChannel {
  Email = 'email',
  Sms = 'sms',
}

/** An outbound message waiting for (or handed to) its sender. Recipient and body are encrypted. */
@Entity('notification_outbox')
@Index('ix_notification_due', ['sentAt', 'createdAt'])
export class NotificationEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'enum', enum: NotificationChannel })
  channel!: NotificationChannel;

  @Column({ type: 'varchar', length: 64 })
  template!: string;

  @EncryptedField({
    cipherProperty: 'recipientCipher',
    hint: { property: 'recipientMasked', mask: maskEmail },
  })
  recipient!: string;
  @Column({ name: 'recipient_enc', type: 'varbinary', length: 640 })
  recipientCipher!: Buffer;
  @Column({ name: 'recipient_masked', type: 'varchar', length: 260 })
  recipientMasked!: string;

  /** May hold a one-time link: encrypted under the `secrets` key. */
  @EncryptedField({ cipherProperty: 'bodyCipher', purpose: 'secrets' })
  body!: string;
  @Column({ name: 'body_enc', type: 'blob' })
  bodyCipher!: Buffer;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt!: Date | null;
}
