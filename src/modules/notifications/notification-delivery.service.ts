import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfigService } from '../../core/config/app-config.service';
import { MetricsService } from '../../core/metrics/metrics.service';
import {
  claimLease,
  leaseUntil,
  retryDelayMs,
  SerialPoller,
} from '../../core/outbox/outbox-worker';
import { AuditService } from '../audit/audit.service';
import { ActorType } from '../audit';
import { ComplianceService } from '../compliance/compliance.service';
import { ThroughputService } from '../compliance/services/throughput.service';
import { UnsubscribeService } from '../compliance/services/unsubscribe.service';
import { CustomersService } from '../customers/customers.service';
import { messageContext, screenContent, worstSeverity } from '../compliance';
import { ContentReviewsService } from './content-reviews.service';
import { subjectFor } from './email-subject';
import { NotificationChannel, NotificationEntity } from './entities/notification.entity';
import { NOTIFICATION_SENDER, NotificationSender, OutboundMessage } from './notification-sender';

const CLAIM = 20;
/**
 * How far ahead a worker reserves its campaign's next throughput token and waits for it; a token
 * due later sends the text back to the outbox, due when it is (the claimed batch behind it is not
 * held up longer).
 */
const MAX_THROUGHPUT_WAIT_MS = 5_000;

/**
 * `lost`: the lease expired before the attempt began; another pass owns the message now.
 * `throttled`: its 10DLC campaign's carrier throughput had no room soon: due again when it has.
 */
type Outcome = 'sent' | 'retry' | 'deferred' | 'cancelled' | 'held' | 'lost' | 'throttled';

/**
 * Works the outbound outbox in the background, like the SIEM forwarder: claims due messages with a
 * lease (replicas never send one twice at once), re-checks contact messages against the compliance
 * gate (refused for good: cancelled and audited; outside legal hours: deferred to the earliest legal
 * time), hands the rest to the provider, and retries failures with exponential backoff.
 *
 * Delivery is at least once: an attempt is counted and marked in flight (committed) before the
 * provider call, and its outcome written after it. A crash in between leaves the mark; the claim
 * after the lease expires records the attempt as interrupted and sends again with the same
 * Idempotency-Key (the message id), which receivers deduplicate on.
 */
@Injectable()
export class NotificationDeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationDeliveryService.name);
  private readonly poller = new SerialPoller<Record<Outcome, number>>(this.logger, 'delivery');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_SENDER) private readonly sender: NotificationSender,
    private readonly compliance: ComplianceService,
    private readonly customers: CustomersService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
    private readonly reviews: ContentReviewsService,
    private readonly throughput: ThroughputService,
    private readonly unsubscribe: UnsubscribeService,
    metrics: MetricsService,
  ) {
    // Held messages wait for a reviewer, not for this worker: they are not its backlog.
    metrics.watchOutbox('notifications', async () => {
      const [row] = await this.dataSource.query<{ depth: string; age: string | null }[]>(
        `SELECT COUNT(*) AS depth, TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) / 1e6 AS age
           FROM notification_outbox
          WHERE sent_at IS NULL AND cancelled_at IS NULL AND held_at IS NULL`,
      );
      return { depth: Number(row.depth), oldestAgeSeconds: Number(row.age ?? 0) };
    });
  }

  onApplicationBootstrap(): void {
    const off = Object.values(NotificationChannel).filter((c) => !this.sender.enabled(c));
    if (off.length)
      this.logger.warn(
        `no provider for ${off.join(', ')} (NOTIFY_*_URL unset): those messages wait`,
      );
    if (off.length === Object.values(NotificationChannel).length) return;
    // A pass that claimed a full batch leaves more due: the next one starts at once.
    this.poller.start(
      this.config.get('NOTIFY_POLL_INTERVAL_MS'),
      () => this.deliverDue(),
      (counts) => Object.values(counts).reduce((a, b) => a + b, 0) >= CLAIM,
    );
  }

  onModuleDestroy(): Promise<void> {
    return this.poller.stop();
  }

  /**
   * One pass over due messages of the channels that have a provider; counts by outcome. `at`: the
   * instant each contact message is decided again at (default: now; a benchmark pins it).
   */
  async deliverDue(at?: Date): Promise<Record<Outcome, number>> {
    const channels = Object.values(NotificationChannel).filter((c) => this.sender.enabled(c));
    const counts: Record<Outcome, number> = {
      sent: 0,
      retry: 0,
      deferred: 0,
      cancelled: 0,
      held: 0,
      lost: 0,
      throttled: 0,
    };
    if (!channels.length) return counts;
    const { rows, lease } = await claimLease(
      this.dataSource,
      'notification_outbox',
      (m) =>
        m
          .getRepository(NotificationEntity)
          .createQueryBuilder('n')
          .where('n.sent_at IS NULL AND n.cancelled_at IS NULL AND n.held_at IS NULL')
          .andWhere('(n.next_attempt_at IS NULL OR n.next_attempt_at <= NOW(3))')
          .andWhere('(n.locked_until IS NULL OR n.locked_until < NOW(3))')
          .andWhere('n.channel IN (:...channels)', { channels })
          .orderBy('n.created_at', 'ASC')
          .limit(CLAIM),
      this.config.get('NOTIFY_LEASE_SECONDS'),
      (m, claimed) => this.recordInterrupted(m, claimed),
    );
    if (!lease) return counts;
    // The lease ends NOTIFY_LEASE_SECONDS after the claim: waits for throughput stop well before.
    const leaseEnds = Date.now() + this.config.get('NOTIFY_LEASE_SECONDS') * 1000;
    for (const row of rows) counts[await this.deliver(row, lease, leaseEnds, at)]++;
    return counts;
  }

  /**
   * A contact message's content, screened again before it leaves: content that must never go is
   * cancelled (`content_blocked`, audited, to the SIEM); content a person must review, and no one
   * has approved for this message, is held with a review row. Null: it may go.
   */
  private async screen(n: NotificationEntity): Promise<Outcome | null> {
    const findings = screenContent(
      n.body,
      messageContext(n.channel === NotificationChannel.Sms ? 'sms' : 'email'),
    );
    const worst = worstSeverity(findings);
    if (worst === null) return null;
    const rules = findings.map((f) => f.rule);
    if (worst === 'review' && (await this.reviews.isApproved(n.id))) return null;
    await this.dataSource.transaction(async (m) => {
      if (worst === 'block')
        await m
          .getRepository(NotificationEntity)
          .update(
            { id: n.id },
            { cancelledAt: new Date(), cancelReason: 'content_blocked', lockedUntil: null },
          );
      else await this.reviews.hold(m, n, findings);
      await this.audit.record(
        {
          action: worst === 'block' ? 'message.content_blocked' : 'message.held_for_review',
          actor: { type: ActorType.System, id: 'notification-delivery' },
          resourceType: 'Customer',
          resourceId: n.customerId,
          changes: { notificationId: n.id, channel: n.channel, rules },
        },
        m,
      );
    });
    return worst === 'block' ? 'cancelled' : 'held';
  }

  /**
   * A claimed message still marked in flight had its provider call cut (the process died, or lost
   * its lease) before the outcome was written. The attempt is already counted; the provider may or
   * may not have taken it, so it is sent again under the same Idempotency-Key.
   */
  private async recordInterrupted(m: EntityManager, claimed: NotificationEntity[]): Promise<void> {
    const cut = claimed.filter((n) => n.attemptStartedAt).map((n) => n.id);
    if (!cut.length) return;
    await m
      .createQueryBuilder()
      .update(NotificationEntity)
      .set({
        interruptedAttempts: () => 'interrupted_attempts + 1',
        attemptStartedAt: null,
        lastError: 'interrupted',
      })
      .where('id IN (:...cut)', { cut })
      .execute();
    this.logger.warn(`${cut.length} delivery attempt(s) were interrupted; sending again`);
  }

  /**
   * A text under a 10DLC campaign leaves only with a token of the campaign's carrier throughput
   * (shared by every worker through the database): a token due soon is reserved and the text
   * waits for it here, else it goes back to the outbox due when the token is (or, the brand's
   * daily cap spent, at the next carrier day). Null: it may go now.
   */
  private async paced(n: NotificationEntity, leaseEnds: number): Promise<Outcome | null> {
    if (n.channel !== NotificationChannel.Sms || !n.messagingCampaignId) return null;
    const maxDelayMs = Math.min(MAX_THROUGHPUT_WAIT_MS, leaseEnds - 2_000 - Date.now());
    const take = await this.throughput.take(n.messagingCampaignId, Math.max(0, maxDelayMs));
    if (take.admitted) {
      if (take.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, take.delayMs));
      return null;
    }
    await this.dataSource.getRepository(NotificationEntity).update(
      { id: n.id },
      {
        nextAttemptAt: take.resumeAt ?? new Date(Date.now() + take.waitMs),
        lockedUntil: null,
        lastError: take.resumeAt ? 'carrier_daily_cap' : 'carrier_throughput',
      },
    );
    return take.resumeAt ? 'deferred' : 'throttled';
  }

  private async deliver(
    n: NotificationEntity,
    lease: string,
    leaseEnds: number,
    at?: Date,
  ): Promise<Outcome> {
    const repo = this.dataSource.getRepository(NotificationEntity);
    if (n.customerId && n.purpose) {
      const customer = await this.customers.findById(n.customerId);
      // A contact message leaves only if a kept decision allowed it, for this customer and
      // channel, when it was queued (no gate was gone around); it is then decided again now.
      const decided =
        customer !== null &&
        (await this.compliance.hasFreshDecision(this.dataSource.manager, n.decisionId, {
          customerId: n.customerId,
          channel: n.channel,
          at: n.createdAt,
          maxAgeMs: this.config.get('DECISION_MAX_AGE_SECONDS') * 1000,
        }));
      const decision =
        customer && decided
          ? (
              await this.compliance.deliveryCheck(
                customer,
                { channel: n.channel, purpose: n.purpose, at: at ?? new Date(), to: n.recipient },
                n.id,
              )
            ).decision
          : null;
      if (!decision || !decision.allowed) {
        const failed = !customer
          ? 'customer_gone'
          : !decided
            ? 'no_decision'
            : (decision?.checks.find((c) => !c.passed)?.rule ?? 'refused');
        if (decision?.nextAllowedAt) {
          await repo.update(
            { id: n.id },
            { nextAttemptAt: decision.nextAllowedAt, lockedUntil: null, lastError: failed },
          );
          return 'deferred';
        }
        await this.dataSource.transaction(async (m) => {
          await m
            .getRepository(NotificationEntity)
            .update(
              { id: n.id },
              { cancelledAt: new Date(), cancelReason: failed.slice(0, 64), lockedUntil: null },
            );
          await this.audit.record(
            {
              action: 'message.cancelled',
              actor: { type: ActorType.System, id: 'notification-delivery' },
              resourceType: 'Customer',
              resourceId: n.customerId,
              changes: { notificationId: n.id, channel: n.channel, rule: failed },
            },
            m,
          );
        });
        return 'cancelled';
      }
      // Its content screened again just before it leaves (it was when it was queued).
      const screened = await this.screen(n);
      if (screened) return screened;
    }
    const paced = await this.paced(n, leaseEnds);
    if (paced) return paced;
    const attemptLease = await this.startAttempt(n.id, lease);
    if (!attemptLease) return 'lost';
    try {
      const providerId = await this.sender.send({
        id: n.id,
        channel: n.channel,
        to: n.recipient,
        body: n.body,
        ...(n.fromNumber ? { from: n.fromNumber } : {}),
        ...this.emailFields(n),
      });
      // The provider has it: record that whatever happened to the lease meanwhile.
      await repo.update(
        { id: n.id },
        {
          sentAt: new Date(),
          providerMessageId: providerId,
          attemptStartedAt: null,
          lockedUntil: null,
          lastError: null,
        },
      );
      return 'sent';
    } catch (e) {
      const delay = retryDelayMs(this.config.get('NOTIFY_RETRY_BASE_MS'), n.attempts + 1);
      await this.dataSource
        .createQueryBuilder()
        .update(NotificationEntity)
        .set({
          nextAttemptAt: new Date(Date.now() + delay),
          attemptStartedAt: null,
          lockedUntil: null,
          lastError: (e instanceof Error ? e.message : 'send failed').slice(0, 255),
        })
        .where('id = :id AND locked_until = :lease', { id: n.id, lease: attemptLease })
        .execute();
      return 'retry';
    }
  }

  /** An email's Subject and, to a customer, their one-click unsubscribe link (RFC 8058 headers). */
  private emailFields(n: NotificationEntity): Pick<OutboundMessage, 'subject' | 'unsubscribeUrl'> {
    if (n.channel !== NotificationChannel.Email) return {};
    return {
      subject: subjectFor(n.template),
      ...(n.customerId ? { unsubscribeUrl: this.unsubscribe.link(n.customerId) } : {}),
    };
  }

  /**
   * Counts the attempt and marks it in flight, committed before the provider call, and renews the
   * lease so that it covers the call. Only while this pass's lease holds: once it has expired another
   * pass may have claimed the message, and this one neither counts nor sends. Returns the renewed
   * lease, or null when it was lost.
   */
  private async startAttempt(id: string, lease: string): Promise<string | null> {
    const renewed = await leaseUntil(
      this.dataSource.manager,
      this.config.get('NOTIFY_LEASE_SECONDS'),
    );
    const started = await this.dataSource
      .createQueryBuilder()
      .update(NotificationEntity)
      .set({
        attempts: () => 'attempts + 1',
        attemptStartedAt: () => 'NOW(3)',
        lockedUntil: () => ':renewed',
      })
      .where('id = :id AND locked_until = :lease AND locked_until > NOW(3)', { id, lease })
      .andWhere('sent_at IS NULL AND cancelled_at IS NULL')
      .setParameters({ renewed })
      .execute();
    return started.affected ? renewed : null;
  }
}
