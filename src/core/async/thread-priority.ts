import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

const TASKS = '/proc/self/task';
/** The name libuv gives its thread pool's threads. */
const POOL_THREAD = 'libuv-worker';

/**
 * Sets the nice value of this process's libuv thread pool threads (Linux: a thread id is a pid
 * to setpriority). Raising it needs no privilege. Returns how many threads were set and how many
 * refused; none of either where /proc/self/task is missing or `nice` is 0.
 */
export function lowerThreadPoolPriority(nice: number): { lowered: number; failed: number } {
  const result = { lowered: 0, failed: 0 };
  if (nice === 0) return result;
  let tasks: string[];
  try {
    tasks = readdirSync(TASKS);
  } catch {
    return result;
  }
  for (const task of tasks) {
    try {
      if (readFileSync(`${TASKS}/${task}/comm`, 'utf8').trim() !== POOL_THREAD) continue;
      setPriority(Number(task), nice);
      result.lowered++;
    } catch {
      result.failed++;
    }
  }
  return result;
}
