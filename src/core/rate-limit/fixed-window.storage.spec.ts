import { FixedWindowStorage } from './fixed-window.storage';

describe('FixedWindowStorage', () => {
  const TTL = 60_000;
  let clock: number;
  let storage: FixedWindowStorage;
  const hit = (key = 'user:a', limit = 3, block = 1) => storage.increment(key, TTL, limit, block);

  beforeEach(() => {
    clock = 1_000_000;
    storage = new FixedWindowStorage(() => clock);
  });

  it('counts up to the limit, then blocks until the window ends', async () => {
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
    clock += 10_000;
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false, timeToExpire: 50 });
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false });
    clock += 5_000;
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 45 });
    clock += 44_999;
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    clock += 1;
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps a longer block duration past the window end', async () => {
    for (let i = 0; i < 3; i++) await hit('k', 3, 120_000);
    expect(await hit('k', 3, 120_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 120 });
    clock += TTL;
    expect(await hit('k', 3, 120_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
    clock += TTL;
    expect(await hit('k', 3, 120_000)).toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('keeps callers apart', async () => {
    for (let i = 0; i < 4; i++) await hit('user:a');
    expect((await hit('user:a')).isBlocked).toBe(true);
    expect(await hit('user:b')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('forgets idle callers, so memory follows the callers of the last window', async () => {
    for (let i = 0; i < 1000; i++) await hit(`ip:${i}`);
    expect(storage.size).toBe(1000);
    clock += TTL;
    await hit('user:late');
    expect(storage.size).toBe(1);
  });
});
