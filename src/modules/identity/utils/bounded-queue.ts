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
 * A place may be reserved before the task is known (a sign-in admitted at the edge, before GraphQL
 * parses it): the reservation counts as a waiting task until a task takes it or it is released,
 * so the requests that follow are refused at the edge instead of being parsed in vain.
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
  private reservedCommon = 0;
  private reservedPriority = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly maxPriorityWaiting = 0,
    private readonly budget?: CpuBudget,
  ) {}

  get depth(): {
    running: number;
    waiting: number;
    priorityWaiting: number;
    reserved: number;
    priorityReserved: number;
  } {
    return {
      running: this.running,
      waiting: this.waiting.length,
      priorityWaiting: this.priority.length,
      reserved: this.reservedCommon,
      priorityReserved: this.reservedPriority,
    };
  }

  /** True when a new task (in `key`'s priority lane when given) would be refused. */
  full(key?: string): boolean {
    if (this.prioritized(key)) return false;
    return (
      this.running + this.waiting.length + this.reservedCommon >= this.concurrency + this.maxWaiting
    );
  }

  /** Holds a place for a task to come (in `key`'s priority lane when it has one), or null when full. */
  reserve(key?: string): Reservation | null {
    if (this.prioritized(key)) {
      this.keys.add(key);
      this.reservedPriority++;
      return new Reservation(() => this.unreserve(key), key);
    }
    if (this.full()) return null;
    this.reservedCommon++;
    return new Reservation(() => this.unreserve(undefined), undefined);
  }

  /**
   * Runs `task` in the place `reservation` holds (when it is still open), or else in a free one;
   * returns null when there is none (nothing was started).
   */
  tryRun<T>(task: () => Promise<T>, key?: string, reservation?: Reservation): Promise<T> | null {
    if (reservation?.take()) return this.enqueue(task, reservation.key);
    if (this.full(key)) return null;
    return this.enqueue(task, this.prioritized(key) ? key : undefined);
  }

  private unreserve(key: string | undefined): void {
    if (key === undefined) {
      this.reservedCommon--;
    } else {
      this.reservedPriority--;
      this.keys.delete(key);
    }
  }

  /** Whether a task with `key` would take the priority lane: a place left, the key not in it. */
  private prioritized(key: string | undefined): key is string {
    return (
      key !== undefined &&
      !this.keys.has(key) &&
      this.priority.length + this.reservedPriority < this.maxPriorityWaiting
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

/** A place held in a BoundedQueue: taken by one task, or released; either once. */
export class Reservation {
  private open = true;

  constructor(
    private readonly give: () => void,
    /** The priority lane's key the place is in (undefined: the common lane). */
    readonly key?: string,
  ) {}

  get held(): boolean {
    return this.open;
  }

  /** Gives the place back unless a task took it (idempotent). */
  release(): void {
    this.take();
  }

  /**
   * For the queue: true once, when a task takes the place (given back to the queue, which puts
   * the task in it at once).
   */
  take(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.give();
    return true;
  }
}
