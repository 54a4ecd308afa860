/**
 * A share of CPU time as a token bucket of milliseconds: it earns `share` ms of work per ms of
 * wall time (share 0.5 on two cores is one core's worth of every second), holds at most `burstMs`
 * of credit, and goes into debt by what a task took. Work waits while the bucket is in debt, so
 * over any long stretch the tasks it admits take at most `share` of the wall time, whatever the
 * demand. A task's wall time stands for its CPU time: an overestimate when it waited for a core,
 * which only makes the budget stricter under load.
 */
export class CpuBudget {
  private balanceMs: number;
  private at: number;

  constructor(
    private readonly share: number,
    private readonly burstMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(share > 0)) throw new RangeError('A CPU budget needs a positive share');
    this.balanceMs = burstMs;
    this.at = now();
  }

  /** Milliseconds until the bucket is out of debt (0 when work may start now). */
  waitMs(): number {
    const balance = this.refill();
    return balance >= 0 ? 0 : -balance / this.share;
  }

  /** Charges `ms` of work to the bucket. */
  spend(ms: number): void {
    this.balanceMs = this.refill() - Math.max(0, ms);
  }

  private refill(): number {
    const now = this.now();
    this.balanceMs = Math.min(this.burstMs, this.balanceMs + (now - this.at) * this.share);
    this.at = now;
    return this.balanceMs;
  }
}
