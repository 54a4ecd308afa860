import fs from 'node:fs';
import path from 'node:path';
import throughputData from './data/carrier-throughput.json';
import {
  carrierDay,
  carrierLimits,
  nextCarrierDay,
  pacedRate,
  PACING_HEADROOM,
  sendEta,
  takeToken,
  THROUGHPUT_DATA_VERSION,
  useCaseGroup,
} from './throughput';
import { buildThroughputData } from '../../../../scripts/carrier-throughput/build';

const ROOT = path.resolve(__dirname, '../../../..');
const CSV = fs.readFileSync(path.join(ROOT, 'scripts/carrier-throughput/source.csv'), 'utf8');
const JSON_TEXT = fs.readFileSync(
  path.join(ROOT, 'src/modules/compliance/rules/data/carrier-throughput.json'),
  'utf8',
);

describe('carrier throughput data', () => {
  it('is exactly what the build makes of source.csv (rebuild with npm run data:carrier-throughput)', () => {
    const built = buildThroughputData(CSV, throughputData.meta.builtAt);
    expect(throughputData).toEqual(built);
    expect(JSON_TEXT).toBe(`${JSON.stringify(built, null, 2)}\n`);
    expect(THROUGHPUT_DATA_VERSION).toBe('2026-12-02');
  });

  it('refuses a table with a gap, an overlap, a bad row or no review date', () => {
    const header = 'carrier,scope,use_case_group,score_min,score_max,per_minute,per_day,source';
    const url = 'https://example.com/limits';
    const lines = CSV.split('\n');
    expect(() =>
      buildThroughputData(
        CSV.replace('att,campaign,declared,50,74', 'att,campaign,declared,51,74'),
      ),
    ).toThrow(/att campaign declared: scores 50\.\.50 have no band/);
    expect(() =>
      buildThroughputData(
        CSV.replace('att,campaign,declared,50,74', 'att,campaign,declared,45,74'),
      ),
    ).toThrow(/att campaign declared: scores 50\.\.44 overlap/);
    expect(() => buildThroughputData(`${CSV}\natt,campaign,declared,0,49,,5,${url}\n`)).toThrow(
      /line \d+: a campaign row has a positive per_minute and no per_day/,
    );
    expect(() => buildThroughputData(`${CSV}\ntmobile,brand,mixed,0,15,10,,${url}\n`)).toThrow(
      /a brand row has a positive per_day and no per_minute/,
    );
    expect(() => buildThroughputData(`${CSV}\nsprint,campaign,mixed,0,100,10,,http://x\n`)).toThrow(
      /carrier "sprint" is not one of att, tmobile, verizon, minor; source is not an https URL/,
    );
    expect(() => buildThroughputData(`${CSV}\natt,campaign,mixed,90,80,10,,${url}\n`)).toThrow(
      /scores "90".."80" are not a band within 0..100/,
    );
    expect(() =>
      buildThroughputData(lines.filter((l) => !l.startsWith('# reviewed')).join('\n')),
    ).toThrow(/no "# reviewed: YYYY-MM-DD"/);
    expect(() =>
      buildThroughputData(
        lines.filter((l) => !l.startsWith('minor,campaign,low_volume')).join('\n'),
      ),
    ).toThrow(/minor campaign low_volume: no rows/);
    expect(() => buildThroughputData(`# reviewed: 2026-12-02\n${header}\n`)).toThrow(
      /att campaign declared: no rows/,
    );
    expect(buildThroughputData(CSV, '2027-01-15').meta.builtAt).toBe('2027-01-15');
    expect(() => buildThroughputData(CSV, '2027-13-01')).toThrow(/--date "2027-13-01"/);
  });
});

describe('carrier limits', () => {
  it('groups the TCR use cases as the carriers rate them', () => {
    expect(useCaseGroup('account_notification')).toBe('declared');
    expect(useCaseGroup('customer_care')).toBe('declared');
    expect(useCaseGroup('marketing')).toBe('mixed');
    expect(useCaseGroup('mixed')).toBe('mixed');
    expect(useCaseGroup('low_volume_mixed')).toBe('low_volume');
  });

  it.each([
    // use case, vetting score, AT&T per minute, minor carriers per minute, T-Mobile per day, rate/s
    ['account_notification', null, 240, 240, 2000, 4],
    ['account_notification', 0, 240, 240, 2000, 4],
    ['account_notification', 15, 240, 240, 2000, 4],
    ['account_notification', 16, 240, 240, 10000, 4],
    ['account_notification', 49, 240, 240, 10000, 4],
    ['account_notification', 50, 2400, 600, 10000, 10],
    ['customer_care', 51, 2400, 600, 40000, 10],
    ['customer_care', 74, 2400, 600, 40000, 10],
    ['customer_care', 75, 4500, 600, 40000, 10],
    ['marketing', 76, 4500, 600, 200000, 10],
    ['mixed', 100, 4500, 600, 200000, 10],
    ['low_volume_mixed', 90, 75, 75, 2000, 1.25],
  ])('%s at vetting score %s', (useCase, score, att, minor, daily, rate) => {
    const l = carrierLimits(useCase, score);
    expect(l.perMinute.att).toBe(att);
    expect(l.perMinute.tmobile).toBe(att);
    expect(l.perMinute.verizon).toBe(att);
    expect(l.perMinute.minor).toBe(minor);
    expect(l.tmobileDaily).toBe(daily);
    expect(l.ratePerSecond).toBeCloseTo(rate, 10);
    expect(l.score).toBe(score ?? 0);
  });

  it('finds the band a score falls in whatever the order of the rows', () => {
    const reversed = [...throughputData.rules].reverse();
    expect(carrierLimits('account_notification', 10, reversed).perMinute.att).toBe(240);
    expect(carrierLimits('account_notification', 60, reversed).perMinute.att).toBe(2400);
    expect(carrierLimits('account_notification', 10, reversed).tmobileDaily).toBe(2000);
  });

  it('clamps and floors a score outside the bands, and fails on a data gap', () => {
    expect(carrierLimits('mixed', 140).score).toBe(100);
    expect(carrierLimits('mixed', -3).score).toBe(0);
    expect(carrierLimits('mixed', 74.9).perMinute.att).toBe(2400);
    const rules = throughputData.rules.filter(
      (r) => !(r.carrier === 'verizon' && r.group === 'mixed'),
    );
    expect(() => carrierLimits('mixed', 60, rules)).toThrow(
      'carrier throughput data has no verizon mixed limit at score 60',
    );
    const noCap = throughputData.rules.filter((r) => r.scope !== 'brand');
    expect(() => carrierLimits('mixed', 60, noCap)).toThrow(
      'carrier throughput data has no T-Mobile mixed daily cap at score 60',
    );
  });
});

describe('token bucket', () => {
  it('admits while a token is there and keeps the fraction', () => {
    expect(takeToken(1, 0, 4)).toEqual({ admitted: true, tokens: 0, delayMs: 0 });
    expect(takeToken(0, 250, 4)).toEqual({ admitted: true, tokens: 0, delayMs: 0 });
    expect(takeToken(0.5, 200, 4)).toEqual({ admitted: true, tokens: 0, delayMs: 0 });
    const partial = takeToken(0.25, 200, 4, 2);
    expect(partial.admitted).toBe(true);
    expect(partial.tokens).toBeCloseTo(0.05, 10);
  });

  it('never holds more than its capacity, whatever the idle time', () => {
    expect(takeToken(0, 60_000, 4)).toEqual({ admitted: true, tokens: 0, delayMs: 0 });
    expect(takeToken(0, 60_000, 4, 3)).toEqual({ admitted: true, tokens: 2, delayMs: 0 });
    expect(takeToken(5, 0, 4, 3)).toEqual({ admitted: true, tokens: 2, delayMs: 0 });
  });

  it('tells how long until the next token, at least a millisecond', () => {
    expect(takeToken(0, 0, 4)).toEqual({ admitted: false, tokens: 0, waitMs: 250 });
    expect(takeToken(0, 100, 4)).toEqual({ admitted: false, tokens: 0.4, waitMs: 150 });
    expect(takeToken(0, 0, 1.25)).toEqual({ admitted: false, tokens: 0, waitMs: 800 });
    expect(takeToken(0.9999999, 0, 4)).toMatchObject({ admitted: false, waitMs: 1 });
    // A clock that went backwards refills nothing.
    expect(takeToken(0, -5000, 4)).toEqual({ admitted: false, tokens: 0, waitMs: 250 });
  });

  it('reserves a token due within the delay allowed, and the debt delays the next one', () => {
    expect(takeToken(0, 100, 4, 1, 150)).toEqual({ admitted: true, tokens: -0.6, delayMs: 150 });
    expect(takeToken(0, 100, 4, 1, 149)).toEqual({ admitted: false, tokens: 0.4, waitMs: 150 });
    // Two reserved ahead: the third is due 750 ms on.
    expect(takeToken(-2, 0, 4, 1, 1000)).toEqual({ admitted: true, tokens: -3, delayMs: 750 });
    expect(takeToken(-2, 0, 4, 1, 749)).toMatchObject({ admitted: false, waitMs: 750 });
  });

  it('sends at the rate and never above it, for any spacing of requests', () => {
    const rate = 4;
    let tokens = 1;
    let last = 0;
    const sent: number[] = [];
    // Requests every 7 ms for 10 s: one is admitted per 250 ms.
    for (let t = 0; t <= 10_000; t += 7) {
      const r = takeToken(tokens, t - last, rate);
      tokens = r.tokens;
      last = t;
      if (r.admitted) sent.push(t);
    }
    for (let i = 1; i < sent.length; i++) expect(sent[i] - sent[i - 1]).toBeGreaterThanOrEqual(250);
    // 41 at the exact rate; a request that comes after the token was full loses the difference.
    expect(sent.length).toBeGreaterThanOrEqual(39);
    expect(sent.length).toBeLessThanOrEqual(41);
  });

  it('keeps reserved slots exactly 1/rate apart however late their takers come', () => {
    const rate = 4;
    let tokens = 1;
    let last = 0;
    const slots: number[] = [];
    // Two takers, each back 30 to 90 ms after its own text left (its work between texts).
    const free = [0, 10];
    for (let n = 0; n < 40; n++) {
      const who = free[0] <= free[1] ? 0 : 1;
      const t = free[who];
      const r = takeToken(tokens, t - last, rate, 1, 5_000);
      if (!r.admitted) throw new Error('refused within the delay allowed');
      tokens = r.tokens;
      last = t;
      slots.push(t + r.delayMs);
      free[who] = t + r.delayMs + 30 + ((n * 37) % 61);
    }
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(250);
      expect(slots[i] - slots[i - 1]).toBeLessThanOrEqual(251);
    }
  });

  it('paces under the carrier rate by the headroom', () => {
    expect(pacedRate(4)).toBeCloseTo(4 * PACING_HEADROOM, 12);
    expect(PACING_HEADROOM).toBeLessThan(1);
    expect(PACING_HEADROOM).toBeGreaterThanOrEqual(0.95);
  });
});

describe('carrier day and ETA', () => {
  it('counts days in Pacific time', () => {
    expect(carrierDay(new Date('2027-03-10T07:59:00Z'))).toBe('2027-03-09');
    expect(carrierDay(new Date('2027-03-10T08:00:00Z'))).toBe('2027-03-10');
    expect(nextCarrierDay(new Date('2027-03-10T07:59:00Z')).toISOString()).toBe(
      '2027-03-10T08:00:00.000Z',
    );
    expect(nextCarrierDay(new Date('2027-07-10T12:00:00Z')).toISOString()).toBe(
      '2027-07-11T07:00:00.000Z',
    );
  });

  const limits = { ratePerSecond: 4, tmobileDaily: 2000 };
  const at = new Date('2027-03-10T17:00:00Z'); // 09:00 Pacific

  it('is messages over the rate when the day has room', () => {
    const eta = sendEta(1000, limits, at, 0);
    expect(eta).toEqual({
      messages: 1000,
      ratePerSecond: 4,
      dailyCap: 2000,
      seconds: 250,
      finishesAt: new Date(at.getTime() + 250_000),
      days: 1,
    });
    expect(sendEta(0, limits, at, 0)).toMatchObject({ seconds: 0, days: 1, messages: 0 });
    expect(sendEta(2000, limits, at, 0)).toMatchObject({ seconds: 500, days: 1 });
  });

  it('carries what the daily cap leaves to the next carrier days', () => {
    // 1,500 sent today: 500 more today, 2,000 tomorrow, the last 500 the day after from midnight.
    const eta = sendEta(3000, limits, at, 1500);
    expect(eta.days).toBe(3);
    expect(eta.finishesAt.toISOString()).toBe('2027-03-12T08:02:05.000Z');
    expect(sendEta(10, limits, at, 2000)).toMatchObject({ days: 2 });
    expect(sendEta(10, limits, at, 2500).finishesAt.toISOString()).toBe('2027-03-11T08:00:02.500Z');
  });

  it('carries what the rate cannot send before midnight', () => {
    // 23:59:00 Pacific at 4 messages/s: 240 messages today, the other 60 after midnight (15 s).
    const late = new Date('2027-03-11T07:59:00Z');
    const eta = sendEta(300, { ratePerSecond: 4, tmobileDaily: 200000 }, late, 0);
    expect(eta.days).toBe(2);
    expect(eta.finishesAt.toISOString()).toBe('2027-03-11T08:00:15.000Z');
    expect(eta.seconds).toBe(75);
    expect(sendEta(240, { ratePerSecond: 4, tmobileDaily: 200000 }, late, 0).days).toBe(1);
  });
});
