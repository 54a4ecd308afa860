import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  ContentFindingRecord,
  ContentReviewEntity,
  pendingReview,
} from './entities/content-review.entity';
import { NotificationChannel, NotificationEntity } from './entities/notification.entity';

/**
 * The outbound outbox: messages are written in the transaction that causes them (a reset token and
 * its email commit together) and handed to the channel's provider afterwards by
 * NotificationDeliveryService. Without a configured provider, messages wait here.
 */
@Injectable()
export class NotificationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async enqueue(
    channel: NotificationChannel,
    template: string,
    recipient: string,
    body: string,
    manager?: EntityManager,
    contact?: {
      customerId: string;
      purpose: 'collection' | 'marketing';
      /** The gate's allowing decision: a contact message without one is refused at delivery. */
      decisionId?: string | null;
      /** Content screening's findings that a person must review first: the message is held. */
      holdFor?: ContentFindingRecord[];
      /** A text's sender number. */
      from?: string | null;
      /** A text's 10DLC campaign, whose carrier throughput paces its delivery. */
      messagingCampaignId?: string | null;
    },
  ): Promise<NotificationEntity> {
    const n = new NotificationEntity();
    n.id = uuidv7();
    n.channel = channel;
    n.template = template;
    n.recipient = recipient;
    n.body = body;
    n.createdAt = new Date();
    n.sentAt = null;
    n.customerId = contact?.customerId ?? null;
    n.purpose = contact?.purpose ?? null;
    n.decisionId = contact?.decisionId ?? null;
    n.fromNumber = contact?.from ?? null;
    n.messagingCampaignId = contact?.messagingCampaignId ?? null;
    n.attempts = 0;
    n.nextAttemptAt = null;
    n.lockedUntil = null;
    n.lastError = null;
    n.providerMessageId = null;
    n.deliveryStatus = null;
    n.deliveryErrorCode = null;
    n.deliveryUpdatedAt = null;
    n.cancelledAt = null;
    n.cancelReason = null;
    const hold = contact?.holdFor?.length ? contact.holdFor : null;
    n.heldAt = hold ? n.createdAt : null;
    const m = manager ?? this.dataSource.manager;
    if (!hold) return m.getRepository(NotificationEntity).save(n);
    // The message and its review commit together: a held message always has its review.
    const run = async (tx: EntityManager) => {
      const saved = await tx.getRepository(NotificationEntity).save(n);
      await tx.getRepository(ContentReviewEntity).insert(pendingReview(n, hold, n.createdAt));
      return saved;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * Erasure: a customer's messages leave the outbox (recipient and text are theirs); pending ones
   * were never going to be sent to an erased person. The record that a contact happened is the
   * contact attempt, which the compliance module keeps. Returns how many went.
   */
  async eraseFor(customerId: string, manager: EntityManager): Promise<number> {
    const result = await manager.query<{ affectedRows: number }>(
      'DELETE FROM notification_outbox WHERE customer_id = ?',
      [customerId],
    );
    return result.affectedRows;
  }

  /**
   * Messages to a data subject, oldest first, for access and portability exports (read only):
   * those recorded as theirs (`customer_id`) and those sent to one of their addresses without a
   * customer (notices about their requests). The outbox keeps no blind index of recipients, so the
   * latter are found by decrypting recipients batch by batch and comparing in memory; nothing but
   * a match leaves this method.
   */
  async messagesOfSubject(
    customerId: string,
    addresses: string[],
    m?: EntityManager,
  ): Promise<Record<string, unknown>[]> {
    const repo = (m ?? this.dataSource.manager).getRepository(NotificationEntity);
    const found = await repo.find({ where: { customerId }, order: { id: 'ASC' } });
    const wanted = new Set(addresses.filter(Boolean).map((a) => a.trim().toLowerCase()));
    if (wanted.size > 0) {
      for (let after = ''; ;) {
        const batch = await repo
          .createQueryBuilder('n')
          .where('n.customer_id IS NULL AND n.id > :after', { after })
          .orderBy('n.id', 'ASC')
          .take(500)
          .getMany();
        if (batch.length === 0) break;
        for (const n of batch) if (wanted.has(n.recipient.trim().toLowerCase())) found.push(n);
        after = batch[batch.length - 1].id;
      }
    }
    return found.map((n) => ({
      id: n.id,
      channel: n.channel,
      template: n.template,
      recipient: n.recipient,
      body: n.body,
      purpose: n.purpose,
      createdAt: n.createdAt,
      sentAt: n.sentAt,
      attempts: n.attempts,
      cancelledAt: n.cancelledAt,
      cancelReason: n.cancelReason,
    }));
  }

  /** Messages for a template, newest first (operators' and tests' view of the outbox). */
  listByTemplate(template: string, take = 50): Promise<NotificationEntity[]> {
    return this.dataSource.getRepository(NotificationEntity).find({
      where: { template },
      order: { createdAt: 'DESC' },
      take,
    });
  }
}
