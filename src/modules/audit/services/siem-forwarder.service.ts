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
import { SiemOutboxEntity } from '../entities/siem-outbox.entity';
import { SIEM_SENDER, SiemSender } from './siem-sender';

const CLAIM = 20;
const LEASE_SECONDS = 30;
const MAX_DELAY_MS = 5 * 60 * 1000;

/**
 * Works the SIEM outbox in the background: claims due events with a lease (several instances never
 * send the same event at once), sends each, and on failure retries with exponential backoff.
 * Requests never wait for it, and an event stays in the outbox until the receiver took it.
 */
@Injectable()
export class SiemForwarderService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SiemForwarderService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SIEM_SENDER) private readonly sender: SiemSender,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.sender.enabled) {
      this.logger.warn(
        'SIEM forwarding is off (SIEM_WEBHOOK_URL unset): critical events wait in the outbox',
      );
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.config.get('SIEM_POLL_INTERVAL_MS'));
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over due events; returns how many were delivered. */
  async deliverDue(): Promise<number> {
    const claimed = await this.dataSource.transaction(async (m) => {
      const rows = await m
        .getRepository(SiemOutboxEntity)
        .createQueryBuilder('o')
        .where('o.delivered_at IS NULL AND o.next_attempt_at <= NOW(3)')
        .andWhere('(o.locked_until IS NULL OR o.locked_until < NOW(3))')
        .orderBy('o.id', 'ASC')
        .limit(CLAIM)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (rows.length > 0) {
        await m.query(
          `UPDATE audit_siem_outbox SET locked_until = NOW(3) + INTERVAL ${LEASE_SECONDS} SECOND WHERE id IN (${rows.map(() => '?').join(',')})`,
          rows.map((r) => r.id),
        );
      }
      return rows;
    });
    let delivered = 0;
    const repo = this.dataSource.getRepository(SiemOutboxEntity);
    for (const row of claimed) {
      try {
        await this.sender.send(row.payload);
        await repo.update(
          { id: row.id },
          {
            deliveredAt: new Date(),
            lockedUntil: null,
            attempts: row.attempts + 1,
            lastError: null,
          },
        );
        delivered++;
      } catch (e) {
        const attempts = row.attempts + 1;
        const delay = Math.min(
          this.config.get('SIEM_RETRY_BASE_MS') * 2 ** (attempts - 1),
          MAX_DELAY_MS,
        );
        await repo.update(
          { id: row.id },
          {
            attempts,
            nextAttemptAt: new Date(Date.now() + delay),
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

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.deliverDue();
    try {
      await this.running;
    } catch (e) {
      this.logger.warn(`SIEM delivery pass failed: ${e instanceof Error ? e.message : 'unknown'}`);
    } finally {
      this.running = null;
    }
  }
}
