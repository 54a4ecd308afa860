import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../audit';
import { AuditService } from '../audit/audit.service';
import {
  ContentFindingRecord,
  ContentReviewEntity,
  ContentReviewStatus,
  pendingReview,
} from './entities/content-review.entity';
import { NotificationEntity } from './entities/notification.entity';
import { NotificationsErrorCode, NotificationsException } from './notifications.exception';

/** A review with the text it is about, for the reviewer. */
export interface ContentReviewView extends ContentReviewEntity {
  body: string | null;
}

/**
 * The human review queue of content screening (issue #21): a message whose content a person must
 * look at first waits held in the outbox; a reviewer approves it (the delivery worker then sends
 * it, after its other gates) or rejects it with a reason (it is cancelled). Both are audited.
 */
@Injectable()
export class ContentReviewsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Holds a message for review (a review row unless one exists), in the caller's transaction. */
  async hold(m: EntityManager, n: NotificationEntity, findings: ContentFindingRecord[]) {
    await m
      .getRepository(NotificationEntity)
      .update({ id: n.id }, { heldAt: new Date(), lockedUntil: null });
    await m
      .createQueryBuilder()
      .insert()
      .into(ContentReviewEntity)
      .values(pendingReview(n, findings, new Date()))
      .orIgnore()
      .execute();
  }

  async isApproved(messageId: string): Promise<boolean> {
    return this.dataSource
      .getRepository(ContentReviewEntity)
      .existsBy({ messageId, status: ContentReviewStatus.Approved });
  }

  /** Reviews by status, oldest first (a queue), with their messages' text. */
  async list(status: ContentReviewStatus, first: number): Promise<ContentReviewView[]> {
    const reviews = await this.dataSource.getRepository(ContentReviewEntity).find({
      where: { status },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: first,
    });
    if (!reviews.length) return [];
    const bodies = new Map(
      (
        await this.dataSource
          .getRepository(NotificationEntity)
          .createQueryBuilder('n')
          .where('n.id IN (:...ids)', { ids: reviews.map((r) => r.messageId) })
          .getMany()
      ).map((n) => [n.id, n.body]),
    );
    return reviews.map((r) => Object.assign(r, { body: bodies.get(r.messageId) ?? null }));
  }

  approve(actor: AuditActor, id: string): Promise<ContentReviewView> {
    return this.decide(actor, id, ContentReviewStatus.Approved, null);
  }

  reject(actor: AuditActor, id: string, reason: string): Promise<ContentReviewView> {
    return this.decide(actor, id, ContentReviewStatus.Rejected, reason);
  }

  private decide(
    actor: AuditActor,
    id: string,
    status: ContentReviewStatus.Approved | ContentReviewStatus.Rejected,
    reason: string | null,
  ): Promise<ContentReviewView> {
    return this.dataSource.transaction(async (m) => {
      const review = await m
        .getRepository(ContentReviewEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!review)
        throw new NotificationsException(
          NotificationsErrorCode.REVIEW_NOT_FOUND,
          'No content review has this id',
        );
      if (review.status !== ContentReviewStatus.Pending)
        throw new NotificationsException(
          NotificationsErrorCode.REVIEW_ALREADY_DECIDED,
          `This review was ${review.status} already`,
        );
      const now = new Date();
      Object.assign(review, { status, reason, decidedAt: now, decidedBy: actor.id ?? actor.type });
      await m.getRepository(ContentReviewEntity).save(review);
      await m
        .getRepository(NotificationEntity)
        .update(
          { id: review.messageId },
          status === ContentReviewStatus.Approved
            ? { heldAt: null }
            : { heldAt: null, cancelledAt: now, cancelReason: 'review_rejected' },
        );
      await this.audit.record(
        {
          action:
            status === ContentReviewStatus.Approved
              ? 'message.review_approved'
              : 'message.review_rejected',
          actor,
          resourceType: 'ContentReview',
          resourceId: review.id,
          changes: {
            messageId: review.messageId,
            rules: review.findings.map((f) => f.rule),
            ...(reason ? { reason } : {}),
          },
        },
        m,
      );
      const message = await m.getRepository(NotificationEntity).findOneBy({ id: review.messageId });
      return Object.assign(review, { body: message?.body ?? null });
    });
  }
}
