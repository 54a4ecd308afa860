import { DateTime } from 'luxon';

const DAY = 86_400_000;
/** The zones of the benches' customers (bench/lib/contact-seed.ts, screening's New York). */
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];

/**
 * The instant the benches decide contacts at, fixed (never the clock), so the allowed path is
 * exercised whatever the hour a bench runs: Tuesday 2028-03-07 17:00 UTC, 12:00 Eastern to 09:00
 * Pacific (standard time), inside every hours rule in every mainland zone (Alaska 08:00; Hawaii,
 * 07:00, is in none of the benches' data). Seeded consents, bans and calls are placed relative to
 * it. In the future: a campaign's precheck and launch decide at its start when that is ahead of the
 * clock (at the clock otherwise), so a campaign starting at AT is decided at AT.
 */
export const AT = new Date('2028-03-07T17:00:00Z');

/**
 * Throws unless AT is at least a day ahead of the clock, on a weekday, and between 09:00 and 20:00
 * in every mainland zone: call it before a bench seeds anything.
 */
export function assertAhead(): void {
  if (AT.getTime() < Date.now() + DAY)
    throw new Error(
      `AT (${AT.toISOString()}) must be in the future: move it in bench/lib/instant.ts ` +
        '(a weekday at 17:00Z, at least a day ahead)',
    );
  for (const zone of ZONES) {
    const local = DateTime.fromJSDate(AT, { zone });
    if (local.weekday > 5 || local.hour < 9 || local.hour >= 20)
      throw new Error(
        `AT (${AT.toISOString()}) is ${local.toFormat('ccc HH:mm')} in ${zone}: ` +
          'choose a weekday instant inside 09:00-20:00 in every mainland zone',
      );
  }
}
