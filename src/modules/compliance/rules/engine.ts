import { DateTime } from 'luxon';
import type {
  AttemptFact,
  CapRule,
  Check,
  ContactFacts,
  CooldownRule,
  Decision,
  HoursRule,
  RuleKind,
  RuleSet,
} from './types';
import { localDayNumber, localMinutes } from './zone-clock';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far ahead `nextAllowedAt` looks before it calls a contact impossible. */
const HORIZON_MS = 45 * 24 * HOUR;
/** Rounds of the fixed-point search for `nextAllowedAt`; each round moves past one obstacle. */
const SEARCH_ROUNDS = 96;
/** Distinct history-free facts a batch evaluator remembers before it starts over. */
const BATCH_MEMO = 10_000;

const CEASE_CITATION = '12 CFR 1006.6(c)(1)';
const PREFERRED_CITATION = '12 CFR 1006.6(b)(1) (time known to be inconvenient)';

/** The campaign's own daily window, reported like a rule (the agency's choice, so house policy). */
const CAMPAIGN_WINDOW: HoursRule = {
  id: 'campaign_window',
  kind: 'house',
  jurisdiction: 'house',
  purposes: ['collection', 'marketing'],
  channels: ['call', 'sms', 'email'],
  start: '00:00',
  end: '23:59',
};

interface Scoped {
  kind?: RuleKind;
  jurisdiction: string;
  residence?: ('address' | 'zip' | 'area_code')[];
  purposes: string[];
  channels: string[];
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
}

/** A rule's kind: as declared, else house policy when its jurisdiction is 'house', else law. */
export function kindOf(rule: { kind?: RuleKind; jurisdiction?: string }): RuleKind {
  return rule.kind ?? (rule.jurisdiction === 'house' ? 'house' : 'law');
}

/** The states a state rule may place the consumer in, by the evidence that rule accepts. */
function statesFor(rule: Scoped, facts: ContactFacts): (string | null | undefined)[] {
  const evidence = rule.residence ?? ['address', 'zip'];
  return [
    evidence.includes('address') ? facts.state : null,
    evidence.includes('zip') ? facts.zipState : null,
    evidence.includes('area_code') ? facts.phoneState : null,
  ];
}

function applies(rule: Scoped, facts: ContactFacts): boolean {
  if (
    rule.jurisdiction !== 'US' &&
    rule.jurisdiction !== 'house' &&
    !statesFor(rule, facts).includes(rule.jurisdiction)
  )
    return false;
  if (!rule.purposes.includes(facts.purpose) || !rule.channels.includes(facts.channel))
    return false;
  return inForce(rule, facts);
}

/** The day number (days since 1970-01-01) of a 'YYYY-MM-DD' date. */
function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY);
}

/**
 * Whether a rule is in force at `facts.at`: its effective dates are the consumer's local dates, and
 * a rule is in force when it is on the local date of ANY candidate zone (the strict reading; UTC
 * when no zone is known).
 */
function inForce(rule: Scoped, facts: ContactFacts): boolean {
  // Stryker disable next-line ConditionalExpression: a shortcut for the many rules without dates.
  if (!rule.effectiveFrom && !rule.effectiveTo) return true;
  const from = rule.effectiveFrom ? dayNumber(rule.effectiveFrom) : -Infinity;
  const to = rule.effectiveTo ? dayNumber(rule.effectiveTo) : Infinity;
  const zones = facts.zones.length > 0 ? facts.zones : ['UTC'];
  return zones.some((zone) => {
    const day = localDay(facts.at, zone);
    return day >= from && day <= to;
  });
}

/**
 * The instant a rule stops being in force in every candidate zone; null when it has no end. Only
 * the search asks, and it never runs without a zone (no zone is a refusal for good).
 */
function expiresAt(rule: Scoped, facts: ContactFacts): Date | null {
  if (!rule.effectiveTo) return null;
  let last = 0;
  for (const zone of facts.zones)
    last = Math.max(last, startOfLocalDay(dayNumber(rule.effectiveTo) + 1, zone).getTime());
  return new Date(last);
}

/** Minutes past midnight of HH:mm; the rule sets hold a few such strings, asked for per contact. */
const minutesOfText = new Map<string, number>();
function minutesOf(hhmm: string): number {
  let minutes = minutesOfText.get(hhmm);
  // Stryker disable next-line ConditionalExpression: a cache; computing again gives the same value.
  if (minutes === undefined) {
    const [h, m] = hhmm.split(':').map(Number);
    minutes = h * 60 + m;
    // Stryker disable next-line all: the cache's memory bound, invisible in results.
    if (minutesOfText.size > 1_000) minutesOfText.clear();
    minutesOfText.set(hhmm, minutes);
  }
  return minutes;
}

/** Local minutes past midnight of an instant in a zone (zone-clock: integer arithmetic, cached offsets). */
function minutesIn(at: Date, zone: string): number {
  return localMinutes(at.getTime(), zone);
}

function insideWindow(at: Date, zone: string, start: string, end: string): boolean {
  const minutes = minutesIn(at, zone);
  return minutes >= minutesOf(start) && minutes < minutesOf(end);
}

/** The first instant at or after `at` where the window [start, end) opens in `zone` (or `at` itself). */
function nextWindowStart(at: Date, zone: string, start: string, end: string): Date {
  if (insideWindow(at, zone, start, end)) return at;
  const local = DateTime.fromJSDate(at, { zone });
  const [h, m] = start.split(':').map(Number);
  let candidate = local.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  // luxon adds days in local time (same wall clock). Equal is impossible here: `at` would be inside.
  // Stryker disable next-line EqualityOperator: see above.
  if (candidate <= local) candidate = candidate.plus({ days: 1 });
  return candidate.toJSDate();
}

interface Window {
  start: string;
  end: string;
  rule: HoursRule | null;
}

function windowsFor(facts: ContactFacts, rules: RuleSet): Window[] {
  const windows: Window[] = rules.hours
    .filter((r) => applies(r, facts))
    .map((r) => ({ start: r.start, end: r.end, rule: r }));
  if (facts.preferredWindow) windows.push({ ...facts.preferredWindow, rule: null });
  if (facts.campaignWindow) windows.push({ ...facts.campaignWindow, rule: CAMPAIGN_WINDOW });
  return windows;
}

/** The local calendar day of an instant in a zone, as a day number (days since 1970-01-01 there). */
function localDay(at: Date, zone: string): number {
  return localDayNumber(at.getTime(), zone);
}

/** Midnight (local) starting day number `day` in `zone`. */
function startOfLocalDay(day: number, zone: string): Date {
  const d = DateTime.fromMillis(day * DAY, { zone: 'utc' });
  return DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone }).toJSDate();
}

function countsFor(cap: CapRule, facts: ContactFacts, a: AttemptFact): boolean {
  if (!cap.channels.includes(a.channel) || !cap.purposes.includes(a.purpose)) return false;
  if (cap.perDebt && facts.debtId && a.debtId !== facts.debtId) return false;
  if (cap.toTypes && !cap.toTypes.includes(a.toType ?? 'unknown')) return false;
  if (cap.excludeConsumerInitiated && a.consumerInitiated) return false;
  if (cap.excludeWithConsent && a.withConsent) return false;
  return true;
}

/**
 * What a cap counts at `at`: attempts in its window, oldest first, and the instant the oldest one
 * that keeps the count at the maximum leaves the window. Calendar-day windows count in every
 * candidate zone and keep the zone that counts the most (the strictest reading).
 */
function capState(
  cap: CapRule,
  facts: ContactFacts,
  at: Date,
): { count: number; freeAt: Date | null; zone: string | null } {
  const relevant = facts.attempts
    .filter((a) => a.at.getTime() <= at.getTime() && countsFor(cap, facts, a))
    .sort((x, y) => x.at.getTime() - y.at.getTime());
  if (cap.windowDays !== undefined) {
    const days = cap.windowDays;
    let worst: { count: number; freeAt: Date | null; zone: string | null } = {
      count: 0,
      freeAt: null,
      zone: null,
    };
    for (const zone of facts.zones) {
      const today = localDay(at, zone);
      const counted = relevant.filter((a) => localDay(a.at, zone) > today - days);
      const freeAt =
        counted.length >= cap.max
          ? startOfLocalDay(localDay(counted[counted.length - cap.max].at, zone) + days, zone)
          : null;
      if (
        counted.length > worst.count ||
        (freeAt && worst.freeAt && counted.length === worst.count && freeAt > worst.freeAt)
      )
        worst = { count: counted.length, freeAt, zone };
    }
    return worst;
  }
  const hours = cap.windowHours ?? 0;
  const since = at.getTime() - hours * HOUR;
  const counted = relevant.filter((a) => a.at.getTime() > since);
  const freeAt =
    counted.length >= cap.max
      ? new Date(counted[counted.length - cap.max].at.getTime() + hours * HOUR)
      : null;
  return { count: counted.length, freeAt, zone: null };
}

/** Conversations about this debt whose cooldown still runs at `at`, with the instant each ends. */
function cooldownState(
  cool: CooldownRule,
  facts: ContactFacts,
  at: Date,
): { conversation: AttemptFact; freeAt: Date } | null {
  let worst: { conversation: AttemptFact; freeAt: Date } | null = null;
  for (const a of facts.attempts) {
    if (!a.conversation || a.at.getTime() > at.getTime()) continue;
    if (facts.debtId && a.debtId && a.debtId !== facts.debtId) continue;
    const ends: Date[] = [];
    if (cool.daysAfterConversation !== undefined) {
      for (const zone of facts.zones)
        ends.push(startOfLocalDay(localDay(a.at, zone) + cool.daysAfterConversation, zone));
    } else {
      ends.push(new Date(a.at.getTime() + (cool.hoursAfterConversation ?? 0) * HOUR));
    }
    for (const freeAt of ends)
      // Stryker disable next-line EqualityOperator: on a tie either conversation frees at the same instant.
      if (freeAt.getTime() > at.getTime() && (!worst || freeAt > worst.freeAt))
        worst = { conversation: a, freeAt };
  }
  return worst;
}

function lastOnChannel(facts: ContactFacts, at: Date): AttemptFact | undefined {
  let last: AttemptFact | undefined;
  for (const a of facts.attempts)
    // Stryker disable next-line EqualityOperator: two attempts at the same instant are as late.
    if (a.channel === facts.channel && a.at.getTime() <= at.getTime() && (!last || a.at > last.at))
      last = a;
  return last;
}

function capWindowLabel(cap: CapRule): string {
  return cap.windowDays !== undefined
    ? `${cap.windowDays} calendar day${cap.windowDays === 1 ? '' : 's'}`
    : `${cap.windowHours ?? 0} h`;
}

function check(
  rule: string,
  kind: RuleKind,
  passed: boolean,
  detail: string,
  citation: string | null | undefined,
): Check {
  return { rule, kind, passed, detail, citation: kind === 'house' ? null : (citation ?? null) };
}

/**
 * Every check at `facts.at`. Failures are of two sorts: time-based (hours, caps, gaps, cooldowns:
 * nextCandidate names when each ends) and for good (no consent, a ban, a cease request, no zone).
 */
function checksAt(facts: ContactFacts, rules: RuleSet): Check[] {
  const checks: Check[] = [];

  // Consent: the latest record for this channel and purpose decides; a revocation always wins.
  const latest = facts.consents
    .filter((c) => c.channel === facts.channel && c.purpose === facts.purpose)
    .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const granted = Boolean(latest?.granted && (!latest.expiresAt || latest.expiresAt > facts.at));
  if (latest && !latest.granted) {
    checks.push(
      check(
        'consent.revoked',
        'law',
        false,
        `consent for ${facts.channel} (${facts.purpose}) was revoked ${latest.at.toISOString()}`,
        '47 CFR 64.1200(a)(10); 12 CFR 1006.14(h)',
      ),
    );
  }
  for (const req of rules.consentRequired) {
    if (!req.channels.includes(facts.channel) || !req.purposes.includes(facts.purpose)) continue;
    if (req.toTypes && !req.toTypes.includes(facts.toType)) continue;
    checks.push(
      check(
        req.id,
        kindOf(req),
        granted,
        granted
          ? 'prior express consent on file'
          : `no current consent for ${facts.channel} (${facts.purpose})`,
        req.citation,
      ),
    );
  }

  // Do not contact: the person (all channels or this one) or this exact number/address.
  const ban = facts.bans.find((b) => b.channel === null || b.channel === facts.channel);
  checks.push(
    check(
      'do_not_contact',
      'law',
      !ban,
      ban
        ? `on the do-not-contact list (${ban.scope}${ban.reason ? `: ${ban.reason}` : ''})`
        : 'not on a do-not-contact list',
      '12 CFR 1006.14(h); 47 CFR 64.1200(c)(2), (d)',
    ),
  );

  // Cease communication (Reg F 1006.6(c)): about that debt (or every debt), except its notices.
  if (facts.purpose === 'collection') {
    const cease = (facts.ceases ?? []).find(
      (c) =>
        c.at.getTime() <= facts.at.getTime() &&
        (c.debtId === null || !facts.debtId || c.debtId === facts.debtId),
    );
    checks.push(
      check(
        'regf.cease_communication',
        'law',
        !cease || Boolean(facts.ceaseException),
        cease
          ? facts.ceaseException
            ? `cease request of ${cease.at.toISOString()}; allowed as a ${facts.ceaseException}`
            : `the consumer asked in writing on ${cease.at.toISOString()} to stop communications about ${cease.debtId ? 'this debt' : 'every debt'}`
          : 'no cease request',
        CEASE_CITATION,
      ),
    );
  }

  // Hours in every candidate zone.
  if (facts.zones.length === 0) {
    checks.push(
      check(
        'quiet_hours.zone',
        'law',
        false,
        "the consumer's time zone cannot be determined",
        '12 CFR 1006.6(b)(1)(i)',
      ),
    );
  }
  for (const w of windowsFor(facts, rules)) {
    const outside = facts.zones.filter((z) => !insideWindow(facts.at, z, w.start, w.end));
    checks.push(
      check(
        w.rule ? w.rule.id : 'consumer_preferred_hours',
        w.rule ? kindOf(w.rule) : 'law',
        outside.length === 0,
        outside.length === 0
          ? `inside ${w.start}-${w.end} in ${facts.zones.join(', ') || 'no zone'}`
          : `outside ${w.start}-${w.end} in ${outside.join(', ')}`,
        w.rule ? w.rule.citation : PREFERRED_CITATION,
      ),
    );
  }

  // Frequency caps, gaps and cooldowns.
  for (const cap of rules.caps) {
    if (!applies(cap, facts) || (cap.toTypes && !cap.toTypes.includes(facts.toType))) continue;
    const state = capState(cap, facts, facts.at);
    checks.push(
      check(
        cap.id,
        kindOf(cap),
        state.count < cap.max,
        `${state.count} of at most ${cap.max} in ${capWindowLabel(cap)}${cap.perDebt ? ' for this debt' : ''}${state.zone ? ` (${state.zone})` : ''}`,
        cap.citation,
      ),
    );
  }
  for (const gap of rules.gaps) {
    if (!applies(gap, facts)) continue;
    const last = lastOnChannel(facts, facts.at);
    const since = last ? (facts.at.getTime() - last.at.getTime()) / HOUR : Infinity;
    checks.push(
      check(
        gap.id,
        kindOf(gap),
        since >= gap.minGapHours,
        last
          ? `${since.toFixed(1)} h since the last ${facts.channel} (min ${gap.minGapHours} h)`
          : `no earlier ${facts.channel}`,
        gap.citation,
      ),
    );
  }
  for (const cool of rules.cooldowns) {
    if (!applies(cool, facts)) continue;
    const running = cooldownState(cool, facts, facts.at);
    checks.push(
      check(
        cool.id,
        kindOf(cool),
        !running,
        running
          ? `a conversation about this debt on ${running.conversation.at.toISOString()}; allowed from ${running.freeAt.toISOString()}`
          : 'no recent conversation about this debt',
        cool.citation,
      ),
    );
  }
  return checks;
}

/**
 * The earliest instant at or after `at` that no time-based rule rules out by itself: the latest of
 * each window's next opening in each zone and each cap's, gap's and cooldown's end. Equal to `at`
 * when nothing time-based stands in the way there.
 */
function nextCandidate(facts: ContactFacts, rules: RuleSet): Date {
  const at = facts.at;
  let next = at;
  const later = (d: Date | null) => {
    // Stryker disable next-line EqualityOperator: replacing an instant by an equal one.
    if (d && d.getTime() > next.getTime()) next = d;
  };
  // A rule's obstacle ends when the rule frees the contact or when it goes out of force.
  const until = (rule: Scoped | null, freeAt: Date | null) => {
    const expiry = rule ? expiresAt(rule, facts) : null;
    // Stryker disable next-line EqualityOperator: equal instants.
    later(freeAt && expiry && expiry < freeAt ? expiry : freeAt);
  };
  for (const w of windowsFor(facts, rules))
    for (const zone of facts.zones) until(w.rule, nextWindowStart(at, zone, w.start, w.end));
  for (const cap of rules.caps) {
    if (!applies(cap, facts) || (cap.toTypes && !cap.toTypes.includes(facts.toType))) continue;
    until(cap, capState(cap, facts, at).freeAt);
  }
  for (const gap of rules.gaps) {
    if (!applies(gap, facts)) continue;
    const last = lastOnChannel(facts, at);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a gap already kept ends at or before `at`, which `later` ignores.
    if (last && at.getTime() - last.at.getTime() < gap.minGapHours * HOUR)
      until(gap, new Date(last.at.getTime() + gap.minGapHours * HOUR));
  }
  for (const cool of rules.cooldowns) {
    if (!applies(cool, facts)) continue;
    until(cool, cooldownState(cool, facts, at)?.freeAt ?? null);
  }
  return next;
}

/**
 * Decides one contact from facts alone (no I/O): consent, do-not-contact, cease requests, legal
 * hours in every candidate zone, frequency caps, minimum gaps and conversation cooldowns, each with
 * its kind (law or house policy) and, for law, its citation. The single check, the batch precheck
 * and `simulateContact` all call this.
 *
 * `nextAllowedAt` is the earliest instant at which the same facts are allowed: the search moves
 * from obstacle to obstacle, and returns an instant only after evaluating every rule there, so a
 * task scheduled at it passes the gate (null: refused for good, or nothing within 45 days).
 */
export function evaluate(facts: ContactFacts, rules: RuleSet): Decision {
  const checks = checksAt(facts, rules);
  const allowed = checks.every((c) => c.passed);
  // Stryker disable next-line ConditionalExpression: a shortcut; the search returns `at` at once too.
  if (allowed) return { allowed, checks, nextAllowedAt: facts.at };
  let t = facts.at;
  // Stryker disable next-line EqualityOperator,UpdateOperator: a safety bound; every search ends at the horizon first.
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    const next = nextCandidate({ ...facts, at: t }, rules);
    if (next.getTime() - facts.at.getTime() > HORIZON_MS) break;
    if (next.getTime() === t.getTime()) {
      // Nothing time-based stands in the way at t: either every rule passes, or what fails does
      // not pass with time (no consent, a ban, a cease request, no zone) and nothing later helps.
      if (checksAt({ ...facts, at: t }, rules).every((c) => c.passed))
        return { allowed, checks, nextAllowedAt: t };
      break;
    }
    t = next;
  }
  return { allowed, checks, nextAllowedAt: null };
}

/** The fields of history-free facts the batch key spells out; any other field: keyed as JSON. */
const KEYED = new Set([
  'channel',
  'purpose',
  'at',
  'zones',
  'state',
  'zipState',
  'phoneState',
  'toType',
  'debtId',
  'consents',
  'bans',
  'attempts',
  'ceases',
  'ceaseException',
  'preferredWindow',
  'campaignWindow',
]);

function windowKey(w: { start: string; end: string } | null | undefined): string {
  if (w) return `${w.start}-${w.end}`;
  // Stryker disable next-line StringLiteral: any text no window spells would do.
  return 'none';
}

/**
 * The key of history-free facts: every field the engine reads, spelled out; facts with a field the
 * key does not know (one added to ContactFacts later) are keyed as their JSON text.
 */
function batchKey(facts: ContactFacts): string {
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: the engine reads no field the key does not name, so today both keys decide alike; the JSON fallback keeps a field added later from being ignored.
  for (const field in facts) if (!KEYED.has(field)) return JSON.stringify(facts);
  return [
    facts.channel,
    facts.purpose,
    facts.at.getTime(),
    // Stryker disable next-line StringLiteral: zone names never run into each other.
    facts.zones.join(','),
    facts.state,
    facts.zipState,
    facts.phoneState,
    facts.toType,
    facts.debtId,
    facts.ceaseException,
    windowKey(facts.preferredWindow),
    windowKey(facts.campaignWindow),
    // Stryker disable next-line StringLiteral: the fields' values never run into each other.
  ].join('|');
}

/**
 * evaluate() for many contacts under one rule set (a batch): facts with no history (no consent,
 * ban, attempt or cease) are decided once per distinct value. In a batch most customers share
 * those (the same instant, zones, state and number type), and the engine is pure: equal facts get
 * the decision of their first occurrence. The decisions returned may be shared by several
 * customers: callers read them, never change them.
 */
export function batchEvaluator(rules: RuleSet): (facts: ContactFacts) => Decision {
  const seen = new Map<string, Decision>();
  return (facts) => {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,OptionalChaining: facts with a history are decided directly; remembering them too would only cost memory (the key does not name the history: it would also decide them wrongly, which the property test shows).
    if (facts.consents.length || facts.bans.length || facts.attempts.length || facts.ceases?.length)
      return evaluate(facts, rules);
    const key = batchKey(facts);
    let decision = seen.get(key);
    // Stryker disable next-line ConditionalExpression,BlockStatement: a cache; deciding again gives the same decision.
    if (!decision) {
      decision = evaluate(facts, rules);
      // Stryker disable next-line all: the memory bound, invisible in results.
      if (seen.size >= BATCH_MEMO) seen.clear();
      // Stryker disable next-line all: a cache; forgetting the decision only decides again.
      seen.set(key, decision);
    }
    return decision;
  };
}
