/** Monotonic time in nanoseconds. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds elapsed since `start` (from `nowNs`). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Nearest-rank percentile (0-100) of samples; the array is sorted in place. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  samples.sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * samples.length);
  return samples[Math.min(samples.length, Math.max(1, rank)) - 1];
}

/**
 * Runs `op` synchronously in a tight loop for about `durationMs` (checking the clock every `batch`
 * calls) and returns how many calls were made and how long they took.
 */
export function loopFor(
  durationMs: number,
  op: (i: number) => void,
  batch = 1000,
): { ops: number; ms: number } {
  const start = nowNs();
  const deadline = start + BigInt(Math.round(durationMs * 1e6));
  let ops = 0;
  for (;;) {
    for (let i = 0; i < batch; i++) op(ops + i);
    ops += batch;
    if (nowNs() >= deadline) break;
  }
  return { ops, ms: msSince(start) };
}

/**
 * Runs `total` tasks with `workers` concurrent async loops (each loop awaits its task before taking
 * the next number) and returns the wall time in milliseconds.
 */
export async function runConcurrent(
  workers: number,
  total: number,
  task: (n: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = nowNs();
  const worker = async (): Promise<void> => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      await task(n);
    }
  };
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return msSince(start);
}
