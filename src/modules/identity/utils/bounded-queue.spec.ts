import { BoundedQueue } from './bounded-queue';
import { CpuBudget } from './cpu-budget';

/** A task that runs until released, recording when it started. */
function gated(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
    release,
  };
}

/** The depth of a queue with nothing running, waiting or reserved. */
const IDLE = { running: 0, waiting: 0, priorityWaiting: 0, reserved: 0, priorityReserved: 0 };

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedQueue', () => {
  it('runs up to its concurrency, queues up to its limit, and refuses the rest at once', async () => {
    const q = new BoundedQueue(1, 1);
    const log: string[] = [];
    const a = gated(log, 'a');
    const b = gated(log, 'b');
    const pa = q.tryRun(a.task);
    const pb = q.tryRun(b.task);
    expect(pa).not.toBeNull();
    expect(pb).not.toBeNull();
    expect(q.full()).toBe(true);
    expect(q.tryRun(() => Promise.resolve('c'))).toBeNull();
    expect(q.depth).toEqual({
      running: 1,
      waiting: 1,
      priorityWaiting: 0,
      reserved: 0,
      priorityReserved: 0,
    });
    a.release();
    await expect(pa).resolves.toBe('a');
    b.release();
    await expect(pb).resolves.toBe('b');
    expect(log).toEqual(['a', 'b']);
    expect(q.depth).toEqual(IDLE);
  });

  it('keeps places for the priority lane and serves it first, one task per key', async () => {
    const q = new BoundedQueue(1, 1, 2);
    const log: string[] = [];
    const running = gated(log, 'running');
    const common = gated(log, 'common');
    const first = gated(log, 'alice');
    void q.tryRun(running.task);
    const pCommon = q.tryRun(common.task);
    // The common lane is full; the priority lane is not.
    expect(q.full()).toBe(true);
    expect(q.full('alice')).toBe(false);
    const pAlice = q.tryRun(first.task, 'alice');
    expect(pAlice).not.toBeNull();
    // A second task for the same key goes to the common lane, which is full.
    expect(q.full('alice')).toBe(true);
    expect(q.tryRun(() => Promise.resolve('again'), 'alice')).toBeNull();
    const bob = gated(log, 'bob');
    const pBob = q.tryRun(bob.task, 'bob');
    expect(q.depth).toEqual({
      running: 1,
      waiting: 1,
      priorityWaiting: 2,
      reserved: 0,
      priorityReserved: 0,
    });
    // Both priority places taken: a third key is refused.
    expect(q.full('carol')).toBe(true);
    running.release();
    await settle();
    // The priority lane goes before the common task that waited longer.
    expect(log).toEqual(['running', 'alice']);
    first.release();
    await expect(pAlice).resolves.toBe('alice');
    await settle();
    expect(log).toEqual(['running', 'alice', 'bob']);
    // Alice's task is done: her key may take the priority lane again.
    expect(q.full('alice')).toBe(false);
    bob.release();
    await expect(pBob).resolves.toBe('bob');
    common.release();
    await expect(pCommon).resolves.toBe('common');
    expect(q.depth).toEqual(IDLE);
  });

  it('frees its slot when a task fails', async () => {
    const q = new BoundedQueue(1, 0, 1);
    await expect(q.tryRun(() => Promise.reject(new Error('x')), 'k')).rejects.toThrow('x');
    expect(q.depth.running).toBe(0);
    expect(q.full('k')).toBe(false);
    await expect(q.tryRun(() => Promise.resolve(1), 'k')).resolves.toBe(1);
  });

  it('with a CPU budget, starts a task only once the budget is out of debt, holding its slot', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const q = new BoundedQueue(1, 1, 0, new CpuBudget(0.5, 0, () => Date.now()));
      const log: string[] = [];
      // A task that takes 100 ms: 100 ms of debt, earned back in 200 ms at half the time.
      const first = q.tryRun(async () => {
        log.push('first');
        await new Promise((resolve) => setTimeout(resolve, 100));
      });
      await jest.advanceTimersByTimeAsync(100);
      await first;
      const second = q.tryRun(() => {
        log.push(`second at ${Date.now()}`);
        return Promise.resolve();
      });
      // The second holds the slot while it waits: a third would wait behind it, a fourth is refused.
      expect(q.depth.running).toBe(1);
      expect(q.tryRun(() => Promise.resolve())).not.toBeNull();
      expect(q.full()).toBe(true);
      await jest.advanceTimersByTimeAsync(199);
      expect(log).toEqual(['first']);
      await jest.advanceTimersByTimeAsync(1);
      await second;
      expect(log).toEqual(['first', 'second at 300']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('counts a reservation as a waiting task until a task takes it or it is released', async () => {
    const q = new BoundedQueue(1, 1, 1);
    const log: string[] = [];
    // Two places in the common lane (one slot, one waiting): two reservations fill them.
    const first = q.reserve()!;
    const second = q.reserve()!;
    expect(q.full()).toBe(true);
    expect(q.reserve()).toBeNull();
    expect(q.tryRun(() => Promise.resolve('stranger'))).toBeNull();
    // A trusted key still has its own place.
    const trusted = q.reserve('alice')!;
    expect(trusted.key).toBe('alice');
    expect(q.reserve('alice')).toBeNull();
    expect(q.depth).toMatchObject({ reserved: 2, priorityReserved: 1 });
    // The first reservation's task runs in its place (the queue is full for anyone else).
    const a = gated(log, 'a');
    const pa = q.tryRun(a.task, undefined, first);
    expect(pa).not.toBeNull();
    expect(q.depth).toMatchObject({ running: 1, reserved: 1 });
    // A reservation is taken once: a second task with it needs a free place like any other.
    expect(q.tryRun(() => Promise.resolve('again'), undefined, first)).toBeNull();
    // Released, the second's place is free again, once.
    second.release();
    second.release();
    expect(q.depth).toMatchObject({ reserved: 0 });
    expect(q.full()).toBe(false);
    const b = gated(log, 'b');
    const pb = q.tryRun(b.task);
    expect(pb).not.toBeNull();
    // The trusted reservation's task goes first when the slot frees.
    const t = gated(log, 'alice');
    const pt = q.tryRun(t.task, 'alice', trusted);
    expect(q.depth).toMatchObject({ waiting: 1, priorityWaiting: 1, priorityReserved: 0 });
    a.release();
    await pa;
    await settle();
    expect(log).toEqual(['a', 'alice']);
    t.release();
    await pt;
    await settle();
    b.release();
    await pb;
    expect(log).toEqual(['a', 'alice', 'b']);
    expect(q.depth).toEqual(IDLE);
  });
});
