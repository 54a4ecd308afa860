import { Column, Entity, PrimaryColumn } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

export enum ContentReviewStatus {
  Pending = 'pending',
  Approved = 'approved',
  Rejected = 'rejected',
}

/** What content screening found in a message, as kept for the reviewer (never the values). */
export interface ContentFindingRecord {
  rule: string;
  severity: 'block' | 'review';
  detail: string;
}

/** A held message awaiting (or having had) a person's decision on its content. */
@Entity('content_reviews')
export class ContentReviewEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'message_id', type: 'char', length: 36 })
  messageId!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36, nullable: true })
  customerId!: string | null;

  @Column({ type: 'enum', enum: ['sms', 'email'] })
  channel!: 'sms' | 'email';

  @Column({ type: 'json' })
  findings!: ContentFindingRecord[];

  @Column({ type: 'enum', enum: ContentReviewStatus })
  status!: ContentReviewStatus;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'decided_by', type: 'varchar', length: 64, nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;
}

/** The pending review of a message held for these findings (one row per message). */
export function pendingReview(
  message: { id: string; customerId: string | null; channel: 'sms' | 'email' },
  findings: ContentFindingRecord[],
  at: Date,
): ContentReviewEntity {
  return Object.assign(new ContentReviewEntity(), {
    id: uuidv7(),
    messageId: message.id,
    customerId: message.customerId,
    channel: message.channel,
    findings,
    status: ContentReviewStatus.Pending,
    createdAt: at,
    decidedBy: null,
    decidedAt: null,
    reason: null,
  });
}
