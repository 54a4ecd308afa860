import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { MetricsService } from '../../../core/metrics/metrics.service';
import { claimLease, retryDelayMs, SerialPoller } from '../../../core/outbox/outbox-worker';
import { SiemOutboxEntity } from '../entities/siem-outbox.entity';
import { SIEM_SENDER, SiemSender } from './siem-sender';

const CLAIM = 20;
const LEASE_SECONDS = 30;

/**
 * Works the SIEM outbox in the background: claims due events with a lease (several instances never
 * send the same event at once), sends each, and on failure retries with exponential backoff.
 * Requests never wait for it, and an event stays in the outbox until the receiver took it. Delivery
 * is at least once (an event cut by a crash is sent again with the same Idempotency-Key,
 * `audit-<seq>`), and `attempts` counts every call started.
 */
@Injectable()
export class SiemForwarderService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SiemForwarderService.name);
  private readonly poller = new SerialPoller(this.logger, 'SIEM delivery');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SIEM_SENDER) private readonly sender: SiemSender,
    private readonly config: AppConfigService,
    metrics: MetricsService,
  ) {
    // An event's age is its audit entry's: the outbox row is written with it.
    metrics.watchOutbox('siem', async () => {
      const [row] = await this.dataSource.query<{ depth: string; age: string | null }[]>(
        `SELECT COUNT(*) AS depth, TIMESTAMPDIFF(MICROSECOND, MIN(a.occurred_at), NOW(3)) / 1e6 AS age
           FROM audit_siem_outbox o JOIN audit_events a ON a.seq = o.audit_seq
          WHERE o.delivered_at IS NULL`,
      );
      return { depth: Number(row.depth), oldestAgeSeconds: Number(row.age ?? 0) };
    });
  }

  onApplicationBootstrap(): void {
    if (!this.sender.enabled) {
      this.logger.warn(
        'SIEM forwarding is off (SIEM_WEBHOOK_URL unset): critical events wait in the outbox',
      );
      return;
    }
    this.poller.start(this.config.get('SIEM_POLL_INTERVAL_MS'), () => this.deliverDue());
  }

  onModuleDestroy(): Promise<void> {
    return this.poller.stop();
  }

  /** One pass over due events; returns how many were delivered. */
  async deliverDue(): Promise<number> {
    const { rows: claimed, lease } = await claimLease(
      this.dataSource,
      'audit_siem_outbox',
      (m) =>
        m
          .getRepository(SiemOutboxEntity)
          .createQueryBuilder('o')
          .where('o.delivered_at IS NULL AND o.next_attempt_at <= NOW(3)')
          .andWhere('(o.locked_until IS NULL OR o.locked_until < NOW(3))')
          .orderBy('o.id', 'ASC')
          .limit(CLAIM),
      LEASE_SECONDS,
    );
    let delivered = 0;
    const repo = this.dataSource.getRepository(SiemOutboxEntity);
    for (const row of claimed) {
      // The attempt counts before the call, while this pass still holds the lease: a call cut by
      // a crash is counted too, and a pass whose lease lapsed neither counts nor sends.
      const started = await this.dataSource.query<{ affectedRows: number }>(
        `UPDATE audit_siem_outbox SET attempts = attempts + 1
          WHERE id = ? AND delivered_at IS NULL AND locked_until = ? AND locked_until > NOW(3)`,
        [row.id, lease],
      );
      if (started.affectedRows !== 1) continue;
      const attempts = row.attempts + 1;
      try {
        await this.sender.send(row.payload, `audit-${row.auditSeq}`);
        await repo.update(
          { id: row.id },
          { deliveredAt: new Date(), lockedUntil: null, lastError: null },
        );
        delivered++;
      } catch (e) {
        await repo.update(
          { id: row.id },
          {
            nextAttemptAt: new Date(
              Date.now() + retryDelayMs(this.config.get('SIEM_RETRY_BASE_MS'), attempts),
            ),
            lockedUntil: null,
            lastError: (e instanceof Error ? e.message : 'send failed').slice(0, 255),
          },
        );
      }
    }
    return delivered;
  }

  async pending(): Promise<number> {
    return this.dataSource.getRepository(SiemOutboxEntity).countBy({ deliveredAt: IsNull() });
  }
}
