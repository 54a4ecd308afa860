import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';
import { lowerThreadPoolPriority } from './thread-priority';

const linux = process.platform === 'linux';

function poolThreads(): number[] {
  return readdirSync('/proc/self/task')
    .filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'libuv-worker')
    .map(Number);
}

(linux ? describe : describe.skip)('lowerThreadPoolPriority', () => {
  it("sets the pool threads' nice value and leaves the event loop's thread as it was", async () => {
    // A file read starts the pool if nothing has yet.
    await readFile(__filename);
    const before = getPriority(process.pid);
    const threads = poolThreads();
    expect(threads.length).toBeGreaterThan(0);
    const nice = Math.min(19, Math.max(before, ...threads.map((t) => getPriority(t))) + 1);
    expect(lowerThreadPoolPriority(nice)).toEqual({ lowered: threads.length, failed: 0 });
    for (const t of threads) expect(getPriority(t)).toBe(nice);
    expect(getPriority(process.pid)).toBe(before);
  });

  it('does nothing for 0', () => {
    expect(lowerThreadPoolPriority(0)).toEqual({ lowered: 0, failed: 0 });
  });
});
