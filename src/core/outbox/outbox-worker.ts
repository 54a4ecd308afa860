import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/** Exponential backoff after the `attempts`-th failure: base, 2x base, 4x base... at most 5 minutes. */
export function retryDelayMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
}

/**
 * The database's time `seconds` from now, as it prints a DATETIME(3): the value to write into
 * `locked_until` and to compare it with later (a string, so no time zone conversion can alter it).
 */
export async function leaseUntil(m: EntityManager, seconds: number): Promise<string> {
  const [{ until }] = await m.query<{ until: string }[]>(
    `SELECT DATE_FORMAT(NOW(3) + INTERVAL ? SECOND, '%Y-%m-%d %H:%i:%s.%f') AS until`,
    [seconds],
  );
  return until;
}

/** Rows claimed by one pass, and the lease they hold. */
export interface Claim<T> {
  rows: T[];
  /**
   * The `locked_until` this claim wrote (as the database prints it), or null when nothing was claimed.
   * It fences the claimant's later writes: `WHERE locked_until = :lease AND locked_until > NOW(3)`
   * matches only while this claim still holds the row, because a later claim (possible only after
   * the lease expired) writes a later time.
   */
  lease: string | null;
}

/**
 * Claims due rows of an outbox table: the caller's query (due, not leased, ordered, limited) runs
 * FOR UPDATE SKIP LOCKED and the rows get a lease, so replicas never work the same row at once.
 * `inClaim` runs in the claiming transaction, for work that must commit with the claim.
 */
export async function claimLease<T extends ObjectLiteral & { id: string | number }>(
  dataSource: DataSource,
  table: string,
  due: (m: EntityManager) => SelectQueryBuilder<T>,
  leaseSeconds: number,
  inClaim?: (m: EntityManager, rows: T[], lease: string) => Promise<void>,
): Promise<Claim<T>> {
  return dataSource.transaction(async (m) => {
    const rows = await due(m).setLock('pessimistic_write').setOnLocked('skip_locked').getMany();
    if (rows.length === 0) return { rows, lease: null };
    const lease = await leaseUntil(m, leaseSeconds);
    await m.query(`UPDATE ${table} SET locked_until = ? WHERE id IN (?)`, [
      lease,
      rows.map((r) => r.id),
    ]);
    await inClaim?.(m, rows, lease);
    return { rows, lease };
  });
}

/** `claimLease` for callers that need only the rows. */
export async function claimWithLease<T extends ObjectLiteral & { id: string | number }>(
  dataSource: DataSource,
  table: string,
  due: (m: EntityManager) => SelectQueryBuilder<T>,
  leaseSeconds: number,
): Promise<T[]> {
  return (await claimLease(dataSource, table, due, leaseSeconds)).rows;
}

/**
 * Runs a pass every interval, never two at once; `stop` waits for the pass in flight. When `again`
 * says of a pass's result that more work is due (a full batch), the next pass starts at once. A
 * pass that fails is logged here (the pass itself records what its failure means: metrics, a
 * critical event) and the next one runs at the next interval; nor does it fail `stop`, so the
 * application's shutdown goes on to close what comes after it.
 */
export class SerialPoller<T = unknown> {
  private timer?: NodeJS.Timeout;
  private running: Promise<T> | null = null;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  start(intervalMs: number, pass: () => Promise<T>, again?: (result: T) => boolean): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(pass, again), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined); // `tick` logs the failure
  }

  private async tick(pass: () => Promise<T>, again?: (result: T) => boolean): Promise<void> {
    if (this.running || this.stopped) return;
    let more = false;
    this.running = pass();
    try {
      // Awaited on its own: `again?.(await ...)` would skip the await when `again` is absent
      // (an optional call evaluates no arguments), leaving the pass unwatched and overlapping.
      const result = await this.running;
      more = again?.(result) ?? false;
    } catch (e) {
      this.logger.warn(`${this.what} pass failed: ${e instanceof Error ? e.message : 'unknown'}`);
    } finally {
      this.running = null;
    }
    if (more && !this.stopped) setImmediate(() => void this.tick(pass, again));
  }
}
