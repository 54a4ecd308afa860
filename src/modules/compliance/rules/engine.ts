import { DateTime } from 'luxon';
import type {
  AttemptFact,
  CapRule,
  Check,
  ContactFacts,
  Decision,
  HoursRule,
  RuleSet,
} from './types';

const HOUR = 3_600_000;

/** The campaign's own daily window, reported like a rule. */
const CAMPAIGN_WINDOW: HoursRule = {
  id: 'campaign_window',
  citation: 'Campaign schedule',
  jurisdiction: 'house',
  purposes: ['collection', 'marketing'],
  channels: ['call', 'sms', 'email'],
  start: '00:00',
  end: '23:59',
};

function applies(
  rule: {
    jurisdiction: string;
    purposes: string[];
    channels: string[];
    effectiveFrom?: string | null;
    effectiveTo?: string | null;
  },
  facts: ContactFacts,
): boolean {
  if (
    rule.jurisdiction !== 'US' &&
    rule.jurisdiction !== 'house' &&
    rule.jurisdiction !== facts.state
  )
    return false;
  if (!rule.purposes.includes(facts.purpose) || !rule.channels.includes(facts.channel))
    return false;
  const day = facts.at.toISOString().slice(0, 10);
  if (rule.effectiveFrom && day < rule.effectiveFrom) return false;
  if (rule.effectiveTo && day > rule.effectiveTo) return false;
  return true;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** Local minutes past midnight of an instant in a zone; a batch asks the same few pairs again and again. */
const localMinutes = new Map<string, number>();
function minutesIn(at: Date, zone: string): number {
  const key = `${at.getTime()}|${zone}`;
  let minutes = localMinutes.get(key);
  if (minutes === undefined) {
    const local = DateTime.fromJSDate(at, { zone });
    minutes = local.hour * 60 + local.minute;
    if (localMinutes.size > 50_000) localMinutes.clear();
    localMinutes.set(key, minutes);
  }
  return minutes;
}

function insideWindow(at: Date, zone: string, start: string, end: string): boolean {
  const minutes = minutesIn(at, zone);
  return minutes >= minutesOf(start) && minutes < minutesOf(end);
}

/** The first instant at or after `at` inside [start, end) local time in `zone`. */
function nextWindowStart(at: Date, zone: string, start: string, end: string): Date {
  if (insideWindow(at, zone, start, end)) return at;
  const local = DateTime.fromJSDate(at, { zone });
  const [h, m] = start.split(':').map(Number);
  let candidate = local.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (candidate <= local) candidate = candidate.plus({ days: 1 }).set({ hour: h, minute: m });
  return candidate.toJSDate();
}

function windowsFor(
  facts: ContactFacts,
  rules: RuleSet,
): { start: string; end: string; rule: HoursRule | null }[] {
  const windows: { start: string; end: string; rule: HoursRule | null }[] = rules.hours
    .filter((r) => applies(r, facts))
    .map((r) => ({ start: r.start, end: r.end, rule: r }));
  if (facts.preferredWindow) windows.push({ ...facts.preferredWindow, rule: null });
  if (facts.campaignWindow) windows.push({ ...facts.campaignWindow, rule: CAMPAIGN_WINDOW });
  return windows;
}

/** The earliest instant at or after `from` inside every window in every zone (null if none within 14 days). */
function earliestLegal(
  from: Date,
  zones: string[],
  windows: { start: string; end: string }[],
): Date | null {
  let t = from;
  for (let i = 0; i < 64; i++) {
    let moved = false;
    for (const zone of zones) {
      for (const w of windows) {
        const next = nextWindowStart(t, zone, w.start, w.end);
        if (next.getTime() !== t.getTime()) {
          t = next;
          moved = true;
        }
      }
    }
    if (!moved) return t;
    if (t.getTime() - from.getTime() > 14 * 24 * HOUR) return null;
  }
  return null;
}

function countsFor(cap: CapRule, facts: ContactFacts, a: AttemptFact): boolean {
  if (!cap.channels.includes(a.channel) || !cap.purposes.includes(a.purpose)) return false;
  if (cap.perDebt && facts.debtId && a.debtId !== facts.debtId) return false;
  if (cap.toTypes && !cap.toTypes.includes(a.toType ?? 'unknown')) return false;
  if (cap.excludeConsumerInitiated && a.consumerInitiated) return false;
  if (cap.excludeWithConsent && a.withConsent) return false;
  return true;
}

/** Attempts in the cap's window ending at `at`, oldest first. */
function inWindow(cap: CapRule, facts: ContactFacts, at: Date): AttemptFact[] {
  const since = at.getTime() - cap.windowHours * HOUR;
  return facts.attempts
    .filter(
      (a) => a.at.getTime() > since && a.at.getTime() <= at.getTime() && countsFor(cap, facts, a),
    )
    .sort((x, y) => x.at.getTime() - y.at.getTime());
}

/** Time-based rules only (windows excluded): the earliest instant at or after `at` they allow. */
function earliestByHistory(facts: ContactFacts, rules: RuleSet, at: Date): Date {
  let t = at;
  for (let i = 0; i < 32; i++) {
    let next = t;
    for (const cap of rules.caps) {
      if (!applies(cap, facts) || (cap.toTypes && !cap.toTypes.includes(facts.toType))) continue;
      const counted = inWindow(cap, facts, t);
      if (counted.length >= cap.max) {
        const freeAt = new Date(
          counted[counted.length - cap.max].at.getTime() + cap.windowHours * HOUR + 1,
        );
        if (freeAt > next) next = freeAt;
      }
    }
    for (const gap of rules.gaps) {
      if (!applies(gap, facts)) continue;
      const last = facts.attempts
        .filter((a) => a.channel === facts.channel && a.at <= t)
        .reduce<Date | null>((m, a) => (!m || a.at > m ? a.at : m), null);
      if (last && t.getTime() - last.getTime() < gap.minGapHours * HOUR) {
        const freeAt = new Date(last.getTime() + gap.minGapHours * HOUR);
        if (freeAt > next) next = freeAt;
      }
    }
    for (const cool of rules.cooldowns) {
      if (!applies(cool, facts)) continue;
      for (const a of facts.attempts) {
        if (!a.conversation || a.at > t) continue;
        if (facts.debtId && a.debtId && a.debtId !== facts.debtId) continue;
        const freeAt = new Date(a.at.getTime() + cool.hoursAfterConversation * HOUR);
        if (freeAt > t && freeAt > next) next = freeAt;
      }
    }
    if (next.getTime() === t.getTime()) return t;
    t = next;
  }
  return t;
}

/**
 * Decides one contact from facts alone (no I/O): consent, do-not-contact, legal hours in every
 * candidate zone, frequency caps, minimum gaps and conversation cooldowns, each with its citation.
 * The single check, the batch precheck and `simulateContact` all call this.
 */
export function evaluate(facts: ContactFacts, rules: RuleSet): Decision {
  const checks: Check[] = [];
  let permanent = false;

  // Consent: the latest record for this channel and purpose decides; a revocation always wins.
  const latest = facts.consents
    .filter((c) => c.channel === facts.channel && c.purpose === facts.purpose)
    .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const granted = Boolean(latest?.granted && (!latest.expiresAt || latest.expiresAt > facts.at));
  if (latest && !latest.granted) {
    permanent = true;
    checks.push({
      rule: 'consent.revoked',
      passed: false,
      detail: `consent for ${facts.channel} (${facts.purpose}) was revoked ${latest.at.toISOString()}`,
      citation: '47 CFR 64.1200(a)(10); 12 CFR 1006.14(h)',
    });
  }
  for (const req of rules.consentRequired) {
    if (!req.channels.includes(facts.channel) || !req.purposes.includes(facts.purpose)) continue;
    if (req.toTypes && !req.toTypes.includes(facts.toType)) continue;
    if (!granted) permanent = true;
    checks.push({
      rule: req.id,
      passed: granted,
      detail: granted
        ? 'prior express consent on file'
        : `no current consent for ${facts.channel} (${facts.purpose})`,
      citation: req.citation,
    });
  }

  // Do not contact: the person (all channels or this one) or this exact number/address.
  const ban = facts.bans.find((b) => b.channel === null || b.channel === facts.channel);
  if (ban) permanent = true;
  checks.push({
    rule: 'do_not_contact',
    passed: !ban,
    detail: ban
      ? `on the do-not-contact list (${ban.scope}${ban.reason ? `: ${ban.reason}` : ''})`
      : 'not on a do-not-contact list',
    citation: '12 CFR 1006.14(h); 47 CFR 64.1200(c)(2), (d)',
  });

  // Hours in every candidate zone.
  const windows = windowsFor(facts, rules);
  if (facts.zones.length === 0) {
    permanent = true;
    checks.push({
      rule: 'quiet_hours.zone',
      passed: false,
      detail: "the consumer's time zone cannot be determined",
      citation: '12 CFR 1006.6(b)(1)(i)',
    });
  }
  for (const w of windows) {
    const outside = facts.zones.filter((z) => !insideWindow(facts.at, z, w.start, w.end));
    checks.push({
      rule: w.rule ? w.rule.id : 'consumer_preferred_hours',
      passed: outside.length === 0,
      detail:
        outside.length === 0
          ? `inside ${w.start}-${w.end} in ${facts.zones.join(', ') || 'no zone'}`
          : `outside ${w.start}-${w.end} in ${outside.join(', ')}`,
      citation: w.rule ? w.rule.citation : '12 CFR 1006.6(b)(1) (time known to be inconvenient)',
    });
  }

  // Frequency caps, gaps and cooldowns.
  for (const cap of rules.caps) {
    if (!applies(cap, facts) || (cap.toTypes && !cap.toTypes.includes(facts.toType))) continue;
    const counted = inWindow(cap, facts, facts.at);
    checks.push({
      rule: cap.id,
      passed: counted.length < cap.max,
      detail: `${counted.length} of at most ${cap.max} in ${cap.windowHours} h${cap.perDebt ? ' for this debt' : ''}`,
      citation: cap.citation,
    });
  }
  for (const gap of rules.gaps) {
    if (!applies(gap, facts)) continue;
    const last = facts.attempts
      .filter((a) => a.channel === facts.channel && a.at <= facts.at)
      .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    const since = last ? (facts.at.getTime() - last.at.getTime()) / HOUR : Infinity;
    checks.push({
      rule: gap.id,
      passed: since >= gap.minGapHours,
      detail: last
        ? `${since.toFixed(1)} h since the last ${facts.channel} (min ${gap.minGapHours} h)`
        : `no earlier ${facts.channel}`,
      citation: gap.citation,
    });
  }
  for (const cool of rules.cooldowns) {
    if (!applies(cool, facts)) continue;
    const conv = facts.attempts.find(
      (a) =>
        a.conversation &&
        a.at <= facts.at &&
        facts.at.getTime() - a.at.getTime() < cool.hoursAfterConversation * HOUR &&
        (!facts.debtId || !a.debtId || a.debtId === facts.debtId),
    );
    checks.push({
      rule: cool.id,
      passed: !conv,
      detail: conv
        ? `a conversation about this debt on ${conv.at.toISOString()}`
        : 'no recent conversation about this debt',
      citation: cool.citation,
    });
  }

  const allowed = checks.every((c) => c.passed);
  if (allowed) return { allowed, checks, nextAllowedAt: facts.at };
  if (permanent) return { allowed, checks, nextAllowedAt: null };
  let t = facts.at;
  for (let i = 0; i < 16; i++) {
    const byHistory = earliestByHistory(facts, rules, t);
    const legal = earliestLegal(byHistory, facts.zones, windows);
    if (!legal) return { allowed, checks, nextAllowedAt: null };
    if (legal.getTime() === t.getTime()) break;
    t = legal;
  }
  return { allowed, checks, nextAllowedAt: t };
}
