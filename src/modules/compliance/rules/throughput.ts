import { DateTime } from 'luxon';
import throughputData from './data/carrier-throughput.json';

/**
 * The US carriers' 10DLC throughput: what a 10DLC campaign may send per minute towards each
 * carrier, and what its brand may send per day towards T-Mobile, by use case and brand vetting
 * score. The limits are reference data (./data/carrier-throughput.json, built from
 * scripts/carrier-throughput/source.csv with its sources and review date by
 * `npm run data:carrier-throughput`); this file only reads them, and does the token-bucket and ETA
 * arithmetic the outbox worker and the launch screen use.
 */

export const CARRIER_CLASSES = ['att', 'tmobile', 'verizon', 'minor'] as const;
export type CarrierClass = (typeof CARRIER_CLASSES)[number];
export type UseCaseGroup = 'declared' | 'mixed' | 'low_volume';

/** The review date of the table (YYYY-MM-DD). */
export const THROUGHPUT_DATA_VERSION: string = throughputData.meta.sourceDate;

interface Rule {
  carrier: string;
  scope: string;
  group: string;
  scoreMin: number;
  scoreMax: number;
  perMinute: number | null;
  perDay: number | null;
}

const RULES: readonly Rule[] = throughputData.rules;

/** T-Mobile's daily caps reset at midnight Pacific time. */
export const CARRIER_DAY_ZONE = 'America/Los_Angeles';

/** TCR use cases by how carriers rate them: one declared use case, marketing or mixed, low volume. */
export function useCaseGroup(useCase: string): UseCaseGroup {
  if (useCase === 'low_volume_mixed') return 'low_volume';
  if (useCase === 'marketing' || useCase === 'mixed') return 'mixed';
  return 'declared';
}

export interface CarrierLimits {
  group: UseCaseGroup;
  /** The vetting score the limits were looked up at: 0 for a brand without secondary vetting. */
  score: number;
  /** Messages per minute the 10DLC campaign may send towards each carrier class. */
  perMinute: Record<CarrierClass, number>;
  /** Messages per day the brand may send towards T-Mobile, all its campaigns together. */
  tmobileDaily: number;
  /**
   * Messages per second a text may go at when its recipient's carrier is not known (no carrier
   * lookup is made): the strictest carrier's rate, so that no carrier's limit is ever passed.
   */
  ratePerSecond: number;
}

/** The limits a 10DLC campaign of this use case earns with this brand vetting score (null: none). */
export function carrierLimits(
  useCase: string,
  vettingScore: number | null,
  rules: readonly Rule[] = RULES,
): CarrierLimits {
  const group = useCaseGroup(useCase);
  const score = Math.min(100, Math.max(0, Math.floor(vettingScore ?? 0)));
  const find = (carrier: string, scope: string) =>
    rules.find(
      (r) =>
        r.carrier === carrier &&
        r.scope === scope &&
        r.group === group &&
        r.scoreMin <= score &&
        score <= r.scoreMax,
    );
  const perMinute = {} as Record<CarrierClass, number>;
  for (const carrier of CARRIER_CLASSES) {
    const rule = find(carrier, 'campaign');
    if (!rule?.perMinute)
      throw new Error(`carrier throughput data has no ${carrier} ${group} limit at score ${score}`);
    perMinute[carrier] = rule.perMinute;
  }
  const daily = find('tmobile', 'brand');
  if (!daily?.perDay)
    throw new Error(`carrier throughput data has no T-Mobile ${group} daily cap at score ${score}`);
  return {
    group,
    score,
    perMinute,
    tmobileDaily: daily.perDay,
    ratePerSecond: Math.min(...CARRIER_CLASSES.map((c) => perMinute[c])) / 60,
  };
}

export type Take =
  | { admitted: true; tokens: number; delayMs: number }
  | { admitted: false; tokens: number; waitMs: number };

/**
 * The share of a carrier's rate the worker paces at. Texts leave at the bucket's times plus the
 * delivery path's jitter (a busy event loop, the provider's API): the 2% kept back is what lets a
 * text that leaves late be followed by one on time without a window at the carrier seeing more
 * than its limit.
 */
export const PACING_HEADROOM = 0.98;

/** The rate texts are paced at under a carrier rate: the limit less the headroom. */
export function pacedRate(ratePerSecond: number): number {
  return ratePerSecond * PACING_HEADROOM;
}

/**
 * One token from a bucket that held `tokens` when it was last written, `elapsedMs` ago, refilling
 * at `ratePerSecond` up to `capacity`. The capacity is one message by default: a send never comes
 * sooner than 1/rate after the one before, so no window of any length sees more than the rate.
 *
 * A token due within `maxDelayMs` is reserved: admitted with the delay until it is due (the bucket
 * goes into debt, which the refill pays back), and the taker sends after that delay. Reserved
 * slots are exactly 1/rate apart however late their takers come to take them, so a taker's
 * lateness never carries over to the texts after it. Refused: how long until a token is there.
 */
export function takeToken(
  tokens: number,
  elapsedMs: number,
  ratePerSecond: number,
  capacity = 1,
  maxDelayMs = 0,
): Take {
  const available = Math.min(capacity, tokens + (Math.max(0, elapsedMs) * ratePerSecond) / 1000);
  if (available >= 1) return { admitted: true, tokens: available - 1, delayMs: 0 };
  const dueMs = Math.max(1, Math.ceil(((1 - available) * 1000) / ratePerSecond));
  if (dueMs <= maxDelayMs) return { admitted: true, tokens: available - 1, delayMs: dueMs };
  return { admitted: false, tokens: available, waitMs: dueMs };
}

/** The carriers' calendar day (Pacific time) an instant falls on, as YYYY-MM-DD. */
export function carrierDay(at: Date): string {
  return DateTime.fromJSDate(at).setZone(CARRIER_DAY_ZONE).toISODate()!;
}

/** When the carriers' next day begins after `at` (the next Pacific midnight). */
export function nextCarrierDay(at: Date): Date {
  return DateTime.fromJSDate(at)
    .setZone(CARRIER_DAY_ZONE)
    .startOf('day')
    .plus({ days: 1 })
    .toJSDate();
}

export interface SendEta {
  messages: number;
  ratePerSecond: number;
  dailyCap: number;
  /** Seconds from `at` until the last message may leave. */
  seconds: number;
  finishesAt: Date;
  /** Carrier days the sending spans (1: it ends today). */
  days: number;
}

/**
 * How long `messages` texts take at today's limits, starting at `at` with `sentToday` of the
 * brand's daily cap used: each carrier day sends what its rate allows before midnight and its cap
 * allows, the rest waits for the next day. Quiet hours and consent are the compliance gate's, not
 * counted here.
 */
export function sendEta(
  messages: number,
  limits: Pick<CarrierLimits, 'ratePerSecond' | 'tmobileDaily'>,
  at: Date,
  sentToday: number,
): SendEta {
  const rate = limits.ratePerSecond;
  const cap = limits.tmobileDaily;
  let left = Math.max(0, Math.floor(messages));
  let t = DateTime.fromJSDate(at).setZone(CARRIER_DAY_ZONE);
  let used = Math.max(0, sentToday);
  let days = 1;
  // Stryker disable next-line EqualityOperator: with none left the first pass ends the loop anyway.
  while (left > 0) {
    const dayEnd = t.startOf('day').plus({ days: 1 });
    const byRate = Math.floor(((dayEnd.toMillis() - t.toMillis()) / 1000) * rate);
    const today = Math.min(left, Math.max(0, cap - used), byRate);
    if (today === left) {
      t = t.plus({ milliseconds: Math.round((today / rate) * 1000) });
      break;
    }
    left -= today;
    t = dayEnd;
    used = 0;
    days++;
  }
  const finishesAt = t.toJSDate();
  return {
    messages: Math.max(0, Math.floor(messages)),
    ratePerSecond: rate,
    dailyCap: cap,
    seconds: Math.round((finishesAt.getTime() - at.getTime()) / 1000),
    finishesAt,
    days,
  };
}
