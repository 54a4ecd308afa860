import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../../core/config/app-config.service';
import { claimWithLease, retryDelayMs, SerialPoller } from '../../core/outbox/outbox-worker';
import { AuditService } from '../audit/audit.service';
import { ActorType } from '../audit/entities/audit-event.entity';
import { ComplianceService } from '../compliance/compliance.service';
import { CustomerEntity } from '../customers/entities/customer.entity';
import { NotificationChannel, NotificationEntity } from './entities/notification.entity';
import { NOTIFICATION_SENDER, NotificationSender } from './notification-sender';

const CLAIM = 20;
const LEASE_SECONDS = 30;

type Outcome = 'sent' | 'retry' | 'deferred' | 'cancelled';

/**
 * Works the outbound outbox in the background, like the SIEM forwarder: claims due messages with a
 * lease (replicas never send one twice at once), re-checks contact messages against the compliance
 * gate (refused for good: cancelled and audited; outside legal hours: deferred to the earliest legal
 * time), hands the rest to the provider, and retries failures with exponential backoff.
 */
@Injectable()
export class NotificationDeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationDeliveryService.name);
  private readonly poller = new SerialPoller(this.logger, 'delivery');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_SENDER) private readonly sender: NotificationSender,
    private readonly compliance: ComplianceService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const off = Object.values(NotificationChannel).filter((c) => !this.sender.enabled(c));
    if (off.length)
      this.logger.warn(
        `no provider for ${off.join(', ')} (NOTIFY_*_URL unset): those messages wait`,
      );
    if (off.length === Object.values(NotificationChannel).length) return;
    this.poller.start(this.config.get('NOTIFY_POLL_INTERVAL_MS'), () => this.deliverDue());
  }

  onModuleDestroy(): Promise<void> {
    return this.poller.stop();
  }

  /** One pass over due messages of the channels that have a provider; counts by outcome. */
  async deliverDue(): Promise<Record<Outcome, number>> {
    const channels = Object.values(NotificationChannel).filter((c) => this.sender.enabled(c));
    const counts: Record<Outcome, number> = { sent: 0, retry: 0, deferred: 0, cancelled: 0 };
    if (!channels.length) return counts;
    const claimed = await claimWithLease(
      this.dataSource,
      'notification_outbox',
      (m) =>
        m
          .getRepository(NotificationEntity)
          .createQueryBuilder('n')
          .where('n.sent_at IS NULL AND n.cancelled_at IS NULL')
          .andWhere('(n.next_attempt_at IS NULL OR n.next_attempt_at <= NOW(3))')
          .andWhere('(n.locked_until IS NULL OR n.locked_until < NOW(3))')
          .andWhere('n.channel IN (:...channels)', { channels })
          .orderBy('n.created_at', 'ASC')
          .limit(CLAIM),
      LEASE_SECONDS,
    );
    for (const row of claimed) counts[await this.deliver(row)]++;
    return counts;
  }

  private async deliver(n: NotificationEntity): Promise<Outcome> {
    const repo = this.dataSource.getRepository(NotificationEntity);
    if (n.customerId && n.purpose) {
      const customer = await this.dataSource
        .getRepository(CustomerEntity)
        .findOne({ where: { id: n.customerId } });
      const decision = customer
        ? await this.compliance.deliveryCheck(customer, {
            channel: n.channel,
            purpose: n.purpose,
            at: new Date(),
            to: n.recipient,
          })
        : null;
      if (!decision || !decision.allowed) {
        const failed = decision?.checks.find((c) => !c.passed)?.rule ?? 'customer_gone';
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
    }
    try {
      const providerId = await this.sender.send({
        id: n.id,
        channel: n.channel,
        to: n.recipient,
        body: n.body,
      });
      await repo.update(
        { id: n.id },
        {
          sentAt: new Date(),
          providerMessageId: providerId,
          attempts: n.attempts + 1,
          lockedUntil: null,
          lastError: null,
        },
      );
      return 'sent';
    } catch (e) {
      const attempts = n.attempts + 1;
      const delay = retryDelayMs(this.config.get('NOTIFY_RETRY_BASE_MS'), attempts);
      await repo.update(
        { id: n.id },
        {
          attempts,
          nextAttemptAt: new Date(Date.now() + delay),
          lockedUntil: null,
          lastError: (e instanceof Error ? e.message : 'send failed').slice(0, 255),
        },
      );
      return 'retry';
    }
  }
}
