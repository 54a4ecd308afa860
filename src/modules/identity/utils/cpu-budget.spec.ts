import { CpuBudget } from './cpu-budget';

describe('CpuBudget', () => {
  it('lets a burst through, then paces work to its share of the time', () => {
    let now = 0;
    const budget = new CpuBudget(0.25, 100, () => now);
    expect(budget.waitMs()).toBe(0);
    budget.spend(100);
    // The burst is spent exactly: work may still start.
    expect(budget.waitMs()).toBe(0);
    budget.spend(50);
    // 50 ms in debt, earned back at 0.25 ms a ms.
    expect(budget.waitMs()).toBe(200);
    now = 120;
    expect(budget.waitMs()).toBe(80);
    now = 200;
    expect(budget.waitMs()).toBe(0);
  });

  it('holds no more credit than its burst, however long it was idle', () => {
    let now = 0;
    const budget = new CpuBudget(0.5, 40, () => now);
    now = 1_000_000;
    budget.spend(60);
    expect(budget.waitMs()).toBe(40);
  });

  it('over a long run admits at most its share of the time', () => {
    let now = 0;
    const budget = new CpuBudget(0.3, 50, () => now);
    let work = 0;
    while (now < 60_000) {
      now += budget.waitMs();
      budget.spend(33);
      work += 33;
      now += 33;
    }
    // The burst is the only excess over the share.
    expect(work).toBeLessThanOrEqual(0.3 * now + 50 + 33);
    expect(work).toBeGreaterThanOrEqual(0.3 * now - 33);
  });

  it('refuses a share that is not positive', () => {
    expect(() => new CpuBudget(0, 10)).toThrow(RangeError);
    expect(() => new CpuBudget(Number.NaN, 10)).toThrow(RangeError);
  });
});
