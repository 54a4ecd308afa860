import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  startedAt: number;
  hits: number;
  blockedUntil: number;
}

/**
 * Fixed-window counters, O(1) per request and one small record per active caller. The throttler's
 * default storage keeps one timestamp per hit and scans them on every request, which at a budget
 * of thousands per minute costs more than the request it guards (measured: secured read path
 * 1,024 -> 798 req/s). A fixed window lets a caller burst up to twice its budget across a window
 * edge; for abuse protection that is the accepted trade.
 *
 * Expired records are swept during increments (at most once per window), so no timer outlives the app.
 */
export class FixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.windows.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<{
    totalHits: number;
    timeToExpire: number;
    isBlocked: boolean;
    timeToBlockExpire: number;
  }> {
    const now = this.now();
    this.sweep(now, ttl);
    let window = this.windows.get(key);
    if (!window || (now - window.startedAt >= ttl && window.blockedUntil <= now)) {
      window = { startedAt: now, hits: 0, blockedUntil: 0 };
      this.windows.set(key, window);
    }
    const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
    if (window.blockedUntil > now) {
      return Promise.resolve({
        totalHits: window.hits,
        timeToExpire: seconds(window.startedAt + ttl - now),
        isBlocked: true,
        timeToBlockExpire: seconds(window.blockedUntil - now),
      });
    }
    window.hits++;
    const isBlocked = window.hits > limit;
    if (isBlocked) {
      // Block until the later of the window's end and the block duration: the budget resets then.
      window.blockedUntil = Math.max(window.startedAt + ttl, now + blockDuration);
      window.hits = limit;
    }
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: seconds(window.startedAt + ttl - now),
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds(window.blockedUntil - now) : 0,
    });
  }

  private sweep(now: number, ttl: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + ttl;
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= ttl && window.blockedUntil <= now) this.windows.delete(key);
    }
  }
}
