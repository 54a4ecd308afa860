import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { maskEmail } from '../../../core/pii/mask';
import { EncryptedField } from '../../crypto';

/**
 * A sent message's delivery status as its provider's receipts report it. Only moves forward
 * (DELIVERY_STATUS_RANK): a late `sent` after `delivered` does not go back.
 */
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'failed' | 'undelivered';

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

  /** Contact messages only: the decision that allowed it at send (none: it is refused). */
  @Column({ name: 'decision_id', type: 'char', length: 36, nullable: true })
  decisionId!: string | null;

  /** Contact messages only: whose contact it is, re-checked by the compliance gate at delivery. */
  @Column({ name: 'customer_id', type: 'char', length: 36, nullable: true })
  customerId!: string | null;

  @Column({ type: 'enum', enum: ['collection', 'marketing'], nullable: true })
  purpose!: 'collection' | 'marketing' | null;

  /** Every provider call started, counted before the call: a crash mid-call still counts it. */
  @Column({ type: 'int', unsigned: true, default: 0 })
  attempts!: number;

  /** Set while a provider call is in flight; a claim that finds it set knows the call was cut. */
  @Column({ name: 'attempt_started_at', type: 'datetime', precision: 3, nullable: true })
  attemptStartedAt!: Date | null;

  /** Attempts cut by a crash or kill before their outcome was written (included in `attempts`). */
  @Column({ name: 'interrupted_attempts', type: 'int', unsigned: true, default: 0 })
  interruptedAttempts!: number;

  /** Null: due now. */
  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'locked_until', type: 'datetime', precision: 3, nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;

  @Index('ix_notification_provider_message')
  @Column({ name: 'provider_message_id', type: 'varchar', length: 100, nullable: true })
  providerMessageId!: string | null;

  @Column({ name: 'cancelled_at', type: 'datetime', precision: 3, nullable: true })
  cancelledAt!: Date | null;

  /** The rule that stopped it at delivery (e.g. do_not_contact). */
  @Column({ name: 'cancel_reason', type: 'varchar', length: 64, nullable: true })
  cancelReason!: string | null;

  /** The sender number a text leaves from (the consumer's sticky number); null for emails. */
  @Column({ name: 'from_number', type: 'varchar', length: 16, nullable: true })
  fromNumber!: string | null;

  /** A text's 10DLC campaign: its carrier throughput (shared token bucket) paces the send. */
  @Column({ name: 'messaging_campaign_id', type: 'char', length: 36, nullable: true })
  messagingCampaignId!: string | null;
  /** The latest delivery receipt's status (null: none yet, or a provider without receipts). */
  @Column({
    name: 'delivery_status',
    type: 'enum',
    enum: ['queued', 'sent', 'delivered', 'failed', 'undelivered'],
    nullable: true,
  })
  deliveryStatus!: DeliveryStatus | null;

  /** The carrier's or provider's error code of a failed or undelivered message (Twilio 30006...). */
  @Column({ name: 'delivery_error_code', type: 'varchar', length: 16, nullable: true })
  deliveryErrorCode!: string | null;

  @Column({ name: 'delivery_updated_at', type: 'datetime', precision: 3, nullable: true })
  deliveryUpdatedAt!: Date | null;

  /** Held for a person's review of its content (content_reviews): not delivered until approved. */
  @Column({ name: 'held_at', type: 'datetime', precision: 3, nullable: true })
  heldAt!: Date | null;
}
