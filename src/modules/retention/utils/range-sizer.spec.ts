import { RangeSizer } from './range-sizer';

const options = { targetMs: 50, initial: 1000, min: 100, max: 20_000, maxGrowth: 1.5 };

describe('RangeSizer', () => {
  it('starts at the initial size', () => {
    expect(new RangeSizer(options).size).toBe(1000);
  });

  it.each([
    ['a range at the budget keeps its size', 1000, 50, 1000],
    ['a range twice too slow halves the next', 1000, 100, 500],
    ['a range ten times too slow cuts the next to a tenth', 1000, 500, 100],
    ['a stall never goes under the minimum', 1000, 5_000, 100],
    ['a fast range grows the next by at most maxGrowth', 1000, 5, 1500],
  ])('%s', (_name, keys, ms, next) => {
    const sizer = new RangeSizer(options);
    sizer.record(keys, ms);
    expect(sizer.size).toBe(next);
  });

  it('grows toward the budget over several fast ranges, never over the maximum', () => {
    const sizer = new RangeSizer(options);
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) {
      // 2 µs a key: the budget is 25,000 keys, the maximum 20,000.
      sizer.record(sizer.size, sizer.size * 0.002);
      sizes.push(sizer.size);
    }
    expect(sizes.slice(0, 3)).toEqual([1500, 2250, 3375]);
    expect(sizes.every((s, i) => i === 0 || s >= sizes[i - 1])).toBe(true);
    expect(sizes[sizes.length - 1]).toBe(20_000);
  });

  it('recovers from one stalled range within a few ranges', () => {
    const sizer = new RangeSizer(options);
    for (let i = 0; i < 5; i++) sizer.record(sizer.size, sizer.size * 0.05); // 50 µs a key
    expect(sizer.size).toBe(1000);
    sizer.record(sizer.size, 800); // a stall: 16 times the budget
    expect(sizer.size).toBe(100);
    let ranges = 0;
    while (sizer.size < 900 && ranges < 20) {
      sizer.record(sizer.size, sizer.size * 0.05);
      ranges++;
    }
    expect(ranges).toBeLessThanOrEqual(8);
  });

  it('ignores a range of no keys or a negative time', () => {
    const sizer = new RangeSizer(options);
    sizer.record(0, 10);
    sizer.record(100, -1);
    expect(sizer.size).toBe(1000);
  });
});
