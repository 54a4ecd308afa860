/** Bounds and budget of a primary-key range walk. */
export interface RangeSizerOptions {
  /** The time one range (bound read, hold read, delete transaction) should take. */
  targetMs: number;
  /** Keys in the first range, before anything is measured. */
  initial: number;
  min: number;
  max: number;
  /** How much larger than the last a range may be: slow to grow, quick to shrink. */
  maxGrowth: number;
}

/**
 * The number of keys in the next primary-key range, sized so that a range takes about `targetMs`:
 * the time per key is estimated from the last ranges (an exponentially weighted mean, so one
 * stalled range does not collapse the size for long), the next size is the budget over that,
 * between `min` and `max`. A slow range shrinks the next one at once; a fast one grows it by at most
 * `maxGrowth` times. Keeps the locks of each range short whatever the machine's load, instead of a
 * fixed span measured on one machine at one load.
 */
export class RangeSizer {
  private keys: number;
  private msPerKey: number | null = null;

  constructor(private readonly options: RangeSizerOptions) {
    this.keys = options.initial;
  }

  /** Keys in the next range. */
  get size(): number {
    return this.keys;
  }

  /** Records that a range of `keys` keys took `ms`, and sizes the next one. */
  record(keys: number, ms: number): void {
    if (!(keys > 0) || !(ms >= 0)) return;
    const observed = Math.max(ms, 0.01) / keys;
    // The slower of the estimate and this range: a slowdown counts at once, a speed-up gradually.
    this.msPerKey =
      this.msPerKey === null ? observed : Math.max(observed, (this.msPerKey + observed) / 2);
    const { targetMs, min, max, maxGrowth } = this.options;
    const next = Math.min(targetMs / this.msPerKey, this.keys * maxGrowth);
    this.keys = Math.max(min, Math.min(max, Math.round(next)));
  }
}
