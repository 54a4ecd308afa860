import { DateTime } from 'luxon';

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
const DAY = 24 * 60 * MINUTE;
/** Quarter hours remembered per zone (about 3 years' worth): a bound, not a working set. */
const MAX_QUARTERS = 100_000;

/** Each zone's UTC offset (ms) by quarter hour of UTC time (the quarter's number since 1970). */
const offsets = new Map<string, Map<number, number>>();

function offsetOf(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset * MINUTE;
}

/**
 * The UTC offset of `zone` at the instant `ms`, in ms. Offsets change rarely and, in the time zone
 * data, on a quarter hour of UTC time; a quarter hour whose first and last millisecond have the
 * same offset has it throughout, and is remembered: a batch of contacts asks the same few zones
 * about instants spread over a month, which come down to a few thousand quarter hours. A quarter
 * hour with a change inside (which no zone has today) is never remembered: it asks luxon each time.
 */
export function zoneOffsetMs(ms: number, zone: string): number {
  const quarter = Math.floor(ms / QUARTER_HOUR);
  let byQuarter = offsets.get(zone);
  // Stryker disable next-line ConditionalExpression: a cache; a new one only forgets.
  if (!byQuarter) offsets.set(zone, (byQuarter = new Map<number, number>()));
  let offset = byQuarter.get(quarter);
  // Stryker disable next-line ConditionalExpression: a cache; computing again gives the same offset.
  if (offset === undefined) {
    const start = quarter * QUARTER_HOUR;
    offset = offsetOf(start, zone);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: no zone changes its offset inside a quarter hour of UTC today (the spec checks every change of 2024-2027 minute by minute); the guard keeps one that may come exact.
    if (offset !== offsetOf(start + QUARTER_HOUR - 1, zone)) return offsetOf(ms, zone);
    // Stryker disable next-line all: the memory bound, invisible in results.
    if (byQuarter.size >= MAX_QUARTERS) byQuarter.clear();
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/** Minutes past local midnight of the instant `ms` in `zone` (luxon's hour * 60 + minute). */
export function localMinutes(ms: number, zone: string): number {
  const local = ms + zoneOffsetMs(ms, zone);
  return Math.floor((((local % DAY) + DAY) % DAY) / MINUTE);
}

/** The local calendar day of the instant `ms` in `zone`, as days since 1970-01-01 there. */
export function localDayNumber(ms: number, zone: string): number {
  return Math.floor((ms + zoneOffsetMs(ms, zone)) / DAY);
}
