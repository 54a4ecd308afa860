import { CpuBudget } from './cpu-budget';

/**
 * Runs at most `concurrency` tasks at once with at most `maxWaiting` queued; beyond that `run`
 * refuses at once (the caller answers RATE_LIMITED) instead of letting work pile up.
 *
 * A second lane, for callers known before the work starts (a sign-in from a trusted device), has
 * its own `maxPriorityWaiting` places and goes first when a slot frees, so a flood that keeps the
 * common lane full does not keep them out. A lane key runs one task at a time: a second task with
 * the same key goes to the common lane, so one key cannot fill the priority lane.
 *
 * With a CPU budget, a task that holds a slot starts only once the budget is out of debt and is
 * charged its duration: the tasks take at most the budget's share of the time, and the rest wait
 * (then are refused) as above.
 */
export class BoundedQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly priority: (() => void)[] = [];
  private readonly keys = new Set<string>();

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly maxPriorityWaiting = 0,
    private readonly budget?: CpuBudget,
  ) {}

  get depth(): { running: number; waiting: number; priorityWaiting: number } {
    return {
      running: this.running,
      waiting: this.waiting.length,
      priorityWaiting: this.priority.length,
    };
  }

  /** True when a new task (in `key`'s priority lane when given) would be refused. */
  full(key?: string): boolean {
    if (this.running < this.concurrency) return false;
    if (this.prioritized(key)) return false;
    return this.waiting.length >= this.maxWaiting;
  }

  /** Returns null when the queue is full (nothing was started). */
  tryRun<T>(task: () => Promise<T>, key?: string): Promise<T> | null {
    if (this.full(key)) return null;
    return this.enqueue(task, this.prioritized(key) ? key : undefined);
  }

  /** Whether a task with `key` would take the priority lane: a place left, the key not in it. */
  private prioritized(key: string | undefined): key is string {
    return (
      key !== undefined && !this.keys.has(key) && this.priority.length < this.maxPriorityWaiting
    );
  }

  private async budgeted<T>(task: () => Promise<T>): Promise<T> {
    if (!this.budget) return task();
    const wait = this.budget.waitMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.budget.spend(performance.now() - started);
    }
  }

  private async enqueue<T>(task: () => Promise<T>, key: string | undefined): Promise<T> {
    if (key !== undefined) this.keys.add(key);
    try {
      if (this.running >= this.concurrency) {
        await new Promise<void>((resolve) => (key ? this.priority : this.waiting).push(resolve));
      } else {
        this.running++;
      }
      try {
        return await this.budgeted(task);
      } finally {
        const next = this.priority.shift() ?? this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    } finally {
      if (key !== undefined) this.keys.delete(key);
    }
  }
}
