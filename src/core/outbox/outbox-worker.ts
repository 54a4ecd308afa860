import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/** Exponential backoff after the `attempts`-th failure: base, 2x base, 4x base... at most 5 minutes. */
export function retryDelayMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Claims due rows of an outbox table: the caller's query (due, not leased, ordered, limited) runs
 * FOR UPDATE SKIP LOCKED and the rows get a lease, so replicas never work the same row at once.
 */
export function claimWithLease<T extends ObjectLiteral & { id: string | number }>(
  dataSource: DataSource,
  table: string,
  due: (m: EntityManager) => SelectQueryBuilder<T>,
  leaseSeconds: number,
): Promise<T[]> {
  return dataSource.transaction(async (m) => {
    const rows = await due(m).setLock('pessimistic_write').setOnLocked('skip_locked').getMany();
    if (rows.length > 0) {
      await m.query(
        `UPDATE ${table} SET locked_until = NOW(3) + INTERVAL ${leaseSeconds} SECOND WHERE id IN (?)`,
        [rows.map((r) => r.id)],
      );
    }
    return rows;
  });
}

/** Runs a pass every interval, never two at once; `stop` waits for the pass in flight. */
export class SerialPoller {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  start(intervalMs: number, pass: () => Promise<unknown>): void {
    this.timer = setInterval(() => void this.tick(pass), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async tick(pass: () => Promise<unknown>): Promise<void> {
    if (this.running) return;
    this.running = pass();
    try {
      await this.running;
    } catch (e) {
      this.logger.warn(`${this.what} pass failed: ${e instanceof Error ? e.message : 'unknown'}`);
    } finally {
      this.running = null;
    }
  }
}
