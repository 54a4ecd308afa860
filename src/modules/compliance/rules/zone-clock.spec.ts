import fc from 'fast-check';
import { DateTime } from 'luxon';
import { propertyRuns } from '../../../../test/utils/property-runs';
import { localDayNumber, localMinutes, zoneOffsetMs } from './zone-clock';

const DAY = 86_400_000;
// US zones the product decides in, and zones whose offsets are not whole hours or change oddly.
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'Pacific/Guam',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Europe/London',
  'UTC',
];

/** What luxon says, computed the way the engine did before this module. */
function luxon(ms: number, zone: string) {
  const local = DateTime.fromMillis(ms, { zone });
  return {
    minutes: local.hour * 60 + local.minute,
    day: Math.round(Date.UTC(local.year, local.month - 1, local.day) / DAY),
    offset: local.offset * 60_000,
  };
}

function ours(ms: number, zone: string) {
  return {
    minutes: localMinutes(ms, zone),
    day: localDayNumber(ms, zone),
    offset: zoneOffsetMs(ms, zone),
  };
}

const STEP = 6 * 3_600_000;

/** The instants of 2024-2027 at which `zone`'s offset changes (found 6 h at a time, then by minute). */
function changes(zone: string): number[] {
  const out: number[] = [];
  const end = Date.UTC(2028, 0, 1);
  let before = luxon(Date.UTC(2024, 0, 1), zone).offset;
  for (let h = Date.UTC(2024, 0, 1) + STEP; h < end; h += STEP) {
    const now = luxon(h, zone).offset;
    if (now === before) continue;
    let m = h - STEP;
    while (luxon(m, zone).offset === before) m += 60_000;
    out.push(m);
    before = now;
  }
  return out;
}

describe('zone clock', () => {
  it('agrees with luxon at any instant from 1971 to 2060 in every zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2060, 0, 1) }),
        fc.constantFrom(...ZONES),
        (ms, zone) => {
          expect(ours(ms, zone)).toEqual(luxon(ms, zone));
        },
      ),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('agrees with luxon minute by minute around every offset change of 2024-2027', () => {
    let checked = 0;
    for (const zone of ZONES)
      for (const at of changes(zone))
        for (let ms = at - 40 * 60_000; ms <= at + 40 * 60_000; ms += 60_000) {
          // The millisecond before each minute too: the quarter hour's last one.
          expect(ours(ms - 1, zone)).toEqual(luxon(ms - 1, zone));
          expect(ours(ms, zone)).toEqual(luxon(ms, zone));
          checked++;
        }
    // The 8 zones with daylight saving time change twice a year (Lord Howe by half an hour).
    expect(checked).toBe(8 * 8 * 81);
  });

  it('is right again for an instant whose quarter hour was remembered before', () => {
    const ms = Date.UTC(2026, 2, 8, 6, 59, 59, 999);
    const first = ours(ms, 'America/New_York');
    expect(ours(ms, 'America/New_York')).toEqual(first);
    expect(ours(ms + 1, 'America/New_York')).toEqual(luxon(ms + 1, 'America/New_York'));
    expect(first).toEqual({
      minutes: 119,
      day: luxon(ms, 'America/New_York').day,
      offset: -5 * 3_600_000,
    });
  });
});
