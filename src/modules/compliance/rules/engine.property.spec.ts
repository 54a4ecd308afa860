import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DEFAULT_RULES } from './default-rules';
import { batchEvaluator, evaluate } from './engine';
import type {
  AttemptFact,
  BanFact,
  CapRule,
  CeaseFact,
  ConsentFact,
  ContactChannel,
  ContactFacts,
  ContactPurpose,
  CooldownRule,
  Decision,
  GapRule,
  HoursRule,
  NumberType,
  RuleSet,
} from './types';
import { propertyRuns } from '../../../../test/utils/property-runs';

/**
 * Properties of `evaluate` over generated facts: `nextAllowedAt` is a real, earliest, re-checkable
 * instant; more candidate zones never loosen a decision; permanent refusals stay refused; the
 * default rules never allow a call or text outside 08:00-21:00 local; every check is typed and
 * cited. Every instant is in 2026 (no clock is read).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RUNS = propertyRuns(300);

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'Pacific/Honolulu',
  'America/Anchorage',
];
const STATES = ['FL', 'OK', 'MD', 'MA', 'TX', 'CA'];
const CHANNELS: ContactChannel[] = ['call', 'sms', 'email'];
const PURPOSES: ContactPurpose[] = ['collection', 'marketing'];
const NUMBER_TYPES: NumberType[] = ['home', 'cell', 'work', 'unknown'];
const DEBTS = ['D1', 'D2', null];

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 11, 31, 23, 59);

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A point in 2026, on a whole minute most of the time. */
const instant = fc
  .tuple(
    fc.integer({ min: 0, max: Math.floor((TO - FROM) / MINUTE) }),
    fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: 0, max: MINUTE - 1 })),
  )
  .map(([minutes, ms]) => new Date(FROM + minutes * MINUTE + ms));

/** A daily window HH:mm with start < end. */
const dailyWindow = fc
  .uniqueArray(fc.integer({ min: 0, max: 24 * 60 - 1 }), { minLength: 2, maxLength: 2 })
  .map(([a, b]) => ({ start: hhmm(Math.min(a, b)), end: hhmm(Math.max(a, b)) }));

const rarely = <T>(arb: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 20 - weight }, { arbitrary: arb, weight });

const flag = (inTen: number) => fc.integer({ min: 0, max: 9 }).map((n) => n < inTen);

/** An earlier attempt, `before` ms before the contact (within the last 10 days). */
const attemptSpec = fc.record({
  before: fc.integer({ min: 1, max: 10 * DAY }),
  channel: fc.constantFrom(...CHANNELS),
  purpose: fc.constantFrom(...PURPOSES),
  debtId: fc.constantFrom(...DEBTS),
  conversation: flag(1),
  consumerInitiated: flag(1),
  withConsent: flag(1),
  toType: fc.option(fc.constantFrom(...NUMBER_TYPES), { nil: undefined }),
});

type ConsentMode = 'granted' | 'none' | 'revoked' | 'expired';
type Cause = 'revoked' | 'ban' | 'cease' | 'no_zone';

const base = fc.record({
  at: instant,
  zones: fc.subarray(ZONES, { minLength: 1 }),
  channel: fc.constantFrom(...CHANNELS),
  purpose: fc.constantFrom(...PURPOSES),
  toType: fc.constantFrom(...NUMBER_TYPES),
  state: fc.constantFrom(null, ...STATES),
  zipState: fc.option(fc.constantFrom(null, ...STATES), { nil: undefined }),
  phoneState: fc.option(fc.constantFrom(null, ...STATES), { nil: undefined }),
  debtId: fc.constantFrom(...DEBTS),
  attempts: fc.array(attemptSpec, { maxLength: 12 }),
  consentMode: fc.oneof(
    { arbitrary: fc.constant<ConsentMode>('granted'), weight: 16 },
    { arbitrary: fc.constantFrom<ConsentMode>('none', 'revoked', 'expired'), weight: 1 },
  ),
  consentBefore: fc.integer({ min: MINUTE, max: 90 * DAY }),
  otherConsents: fc.array(
    fc.record({
      channel: fc.constantFrom(...CHANNELS),
      purpose: fc.constantFrom(...PURPOSES),
      granted: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  ban: rarely(
    fc.record({
      channel: fc.constantFrom<ContactChannel | null>(null, ...CHANNELS),
      scope: fc.constantFrom<BanFact['scope']>('person', 'address'),
    }),
  ),
  cease: rarely(
    fc.record({
      debtId: fc.constantFrom(...DEBTS),
      before: fc.integer({ min: 0, max: 30 * DAY }),
    }),
  ),
  ceaseException: rarely(
    fc.constantFrom('termination_notice', 'remedy_notice', 'intended_remedy' as const),
  ),
  preferredWindow: rarely(dailyWindow, 3),
  campaignWindow: rarely(dailyWindow, 3),
});

type Spec = typeof base extends fc.Arbitrary<infer T> ? T : never;

function build(s: Spec): ContactFacts {
  const ago = (ms: number) => new Date(s.at.getTime() - ms);
  const consents: ConsentFact[] = s.otherConsents.map((c, i) => ({
    ...c,
    at: ago(s.consentBefore + (i + 1) * HOUR),
  }));
  if (s.consentMode !== 'none')
    consents.push({
      channel: s.channel,
      purpose: s.purpose,
      granted: s.consentMode !== 'revoked',
      at: ago(s.consentBefore),
      ...(s.consentMode === 'expired' ? { expiresAt: ago(s.consentBefore / 2) } : {}),
    });
  const attempts: AttemptFact[] = s.attempts.map(({ before, ...a }) => ({ ...a, at: ago(before) }));
  const ceases: CeaseFact[] = s.cease ? [{ debtId: s.cease.debtId, at: ago(s.cease.before) }] : [];
  return {
    channel: s.channel,
    purpose: s.purpose,
    at: s.at,
    zones: s.zones,
    state: s.state,
    ...(s.zipState !== undefined ? { zipState: s.zipState } : {}),
    ...(s.phoneState !== undefined ? { phoneState: s.phoneState } : {}),
    toType: s.toType,
    debtId: s.debtId,
    consents,
    bans: s.ban ? [s.ban] : [],
    attempts,
    ceases,
    ceaseException: s.ceaseException ?? null,
    preferredWindow: s.preferredWindow ?? null,
    campaignWindow: s.campaignWindow ?? null,
  };
}

const contact = base.map(build);

/** Facts with one cause of a permanent refusal forced in. */
const refusedForGood = fc
  .tuple(base, fc.constantFrom<Cause>('revoked', 'ban', 'cease', 'no_zone'))
  .map(([s, cause]): ContactFacts => {
    const f = build(s);
    switch (cause) {
      case 'revoked':
        return {
          ...f,
          consents: [
            ...f.consents,
            { channel: f.channel, purpose: f.purpose, granted: false, at: f.at },
          ],
        };
      case 'ban':
        return { ...f, bans: [{ channel: null, scope: 'person' }] };
      case 'cease':
        return {
          ...f,
          purpose: 'collection',
          ceases: [{ debtId: null, at: f.at }],
          ceaseException: null,
        };
      case 'no_zone':
        return { ...f, zones: [] };
    }
  });

const at = (f: ContactFacts, when: Date): ContactFacts => ({ ...f, at: when });
const describeFacts = (f: ContactFacts, d: Decision) =>
  JSON.stringify({
    facts: f,
    allowed: d.allowed,
    nextAllowedAt: d.nextAllowedAt,
    failed: d.checks.filter((c) => !c.passed),
  });

/** Checks whose failure no later instant can cure. */
function permanentFailures(d: Decision, rules: RuleSet): string[] {
  const ids = new Set([
    'consent.revoked',
    'do_not_contact',
    'regf.cease_communication',
    'quiet_hours.zone',
    ...rules.consentRequired.map((r) => r.id),
  ]);
  return d.checks.filter((c) => !c.passed && ids.has(c.rule)).map((c) => c.rule);
}

function reevaluatesAllowed(f: ContactFacts, rules: RuleSet): void {
  const d = evaluate(f, rules);
  if (d.nextAllowedAt === null) return;
  const there = evaluate(at(f, d.nextAllowedAt), rules);
  if (!there.allowed)
    throw new Error(
      `refused at nextAllowedAt ${d.nextAllowedAt.toISOString()}: ${describeFacts(at(f, d.nextAllowedAt), there)}`,
    );
}

function isEarliest(f: ContactFacts, rules: RuleSet): void {
  const d = evaluate(f, rules);
  if (d.allowed || d.nextAllowedAt === null) return;
  const before = new Date(d.nextAllowedAt.getTime() - 1);
  if (before.getTime() < f.at.getTime()) return;
  const there = evaluate(at(f, before), rules);
  if (there.allowed)
    throw new Error(
      `allowed at ${before.toISOString()}, 1 ms before nextAllowedAt ${d.nextAllowedAt.toISOString()}: ${describeFacts(f, d)}`,
    );
}

describe('contact rules engine (properties)', () => {
  it('(a) the same facts at nextAllowedAt are allowed', () => {
    fc.assert(
      fc.property(contact, (f) => reevaluatesAllowed(f, DEFAULT_RULES)),
      { numRuns: RUNS },
    );
  });

  it('(b) allowed: nextAllowedAt is the contact instant; refused: null or strictly later', () => {
    fc.assert(
      fc.property(contact, (f) => {
        const d = evaluate(f, DEFAULT_RULES);
        if (d.allowed) expect(d.nextAllowedAt?.getTime()).toBe(f.at.getTime());
        else if (d.nextAllowedAt !== null)
          expect(d.nextAllowedAt.getTime()).toBeGreaterThan(f.at.getTime());
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) nextAllowedAt is the earliest: 1 ms before it (not before the contact) is refused', () => {
    fc.assert(
      fc.property(contact, (f) => isEarliest(f, DEFAULT_RULES)),
      { numRuns: RUNS },
    );
  });

  it('(d) one more candidate zone never turns a refusal into an allow', () => {
    fc.assert(
      fc.property(contact, fc.constantFrom(...ZONES), (f, zone) => {
        fc.pre(!f.zones.includes(zone));
        if (evaluate(f, DEFAULT_RULES).allowed) return;
        expect(evaluate({ ...f, zones: [...f.zones, zone] }, DEFAULT_RULES).allowed).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('(e) a permanent refusal stays refused at every later instant', () => {
    fc.assert(
      fc.property(
        refusedForGood,
        fc.array(fc.integer({ min: 1, max: 60 * DAY }), { minLength: 1, maxLength: 8 }),
        (f, laters) => {
          const d = evaluate(f, DEFAULT_RULES);
          expect(d.allowed).toBe(false);
          expect(d.nextAllowedAt).toBeNull();
          expect(permanentFailures(d, DEFAULT_RULES)).not.toEqual([]);
          for (const ms of laters)
            expect(evaluate(at(f, new Date(f.at.getTime() + ms)), DEFAULT_RULES).allowed).toBe(
              false,
            );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(e) a refusal with nextAllowedAt null for a permanent cause stays refused (any facts)', () => {
    fc.assert(
      fc.property(
        contact,
        fc.array(fc.integer({ min: 1, max: 60 * DAY }), { minLength: 1, maxLength: 8 }),
        (f, laters) => {
          const d = evaluate(f, DEFAULT_RULES);
          if (d.nextAllowedAt !== null || permanentFailures(d, DEFAULT_RULES).length === 0) return;
          for (const ms of laters)
            expect(evaluate(at(f, new Date(f.at.getTime() + ms)), DEFAULT_RULES).allowed).toBe(
              false,
            );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(f) the default rules allow a call or text only between 08:00 and 21:00 in every zone', () => {
    fc.assert(
      fc.property(
        contact.filter((f) => f.channel !== 'email'),
        (f) => {
          if (!evaluate(f, DEFAULT_RULES).allowed) return;
          for (const zone of f.zones) {
            const local = DateTime.fromJSDate(f.at, { zone });
            const minutes = local.hour * 60 + local.minute;
            expect(minutes).toBeGreaterThanOrEqual(8 * 60);
            expect(minutes).toBeLessThan(21 * 60);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(g) every check is law with a citation or house policy without one', () => {
    fc.assert(
      fc.property(contact, (f) => {
        for (const c of evaluate(f, DEFAULT_RULES).checks) {
          expect(['law', 'house']).toContain(c.kind);
          if (c.kind === 'house') expect(c.citation).toBeNull();
          else expect(c.citation).toMatch(/\S/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(h) a batch evaluator decides every contact as evaluate does, repeats and all', () => {
    // History-free copies at one instant, so that facts repeat and differ by one field at a time.
    const batch = fc
      .tuple(instant, fc.array(contact, { minLength: 1, maxLength: 8 }))
      .map(([when, list]) => {
        const plain = list.map((f) => ({
          ...f,
          at: when,
          consents: [],
          bans: [],
          attempts: [],
          ceases: [],
        }));
        // The same with their history at that instant (only the history tells them apart), and
        // with a field the batch key does not know (keyed as a whole).
        const history = list.map((f) => ({ ...f, at: when }));
        const extra = plain.map((f) => ({ ...f, note: 'x' }) as ContactFacts);
        return [...list, ...plain, ...history, ...plain.map((f) => ({ ...f })), ...extra, ...list];
      });
    fc.assert(
      fc.property(batch, (list) => {
        const decide = batchEvaluator(DEFAULT_RULES);
        for (const f of list) expect(decide(f)).toEqual(evaluate(f, DEFAULT_RULES));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  describe('rules with effective dates', () => {
    const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    /** Effective dates as day offsets from the contact (either may be missing). */
    const effective = fc.record({
      from: fc.option(fc.integer({ min: -20, max: 20 }), { nil: undefined }),
      length: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    });
    const scope = fc.record({
      jurisdiction: fc.oneof(
        { arbitrary: fc.constantFrom('US', 'house'), weight: 3 },
        { arbitrary: fc.constantFrom(...STATES), weight: 1 },
      ),
      purposes: fc.subarray(PURPOSES, { minLength: 1 }),
      channels: fc.subarray(CHANNELS, { minLength: 1 }),
      effective,
    });
    const extra = fc.record({
      hours: fc.array(fc.tuple(scope, dailyWindow), { maxLength: 2 }),
      caps: fc.array(
        fc.tuple(
          scope,
          fc.integer({ min: 1, max: 4 }),
          fc.oneof(
            fc.record({ windowHours: fc.integer({ min: 1, max: 7 * 24 }) }),
            fc.record({ windowDays: fc.integer({ min: 1, max: 7 }) }),
          ),
        ),
        { maxLength: 2 },
      ),
      gaps: fc.array(fc.tuple(scope, fc.integer({ min: 1, max: 48 })), { maxLength: 1 }),
      cooldowns: fc.array(
        fc.tuple(
          scope,
          fc.oneof(
            fc.record({ hoursAfterConversation: fc.integer({ min: 1, max: 72 }) }),
            fc.record({ daysAfterConversation: fc.integer({ min: 1, max: 7 }) }),
          ),
        ),
        { maxLength: 1 },
      ),
    });
    type Extra = typeof extra extends fc.Arbitrary<infer T> ? T : never;
    type Scope = Extra['hours'][number][0];

    function rulesFor(f: ContactFacts, e: Extra): RuleSet {
      const day0 = Date.UTC(f.at.getUTCFullYear(), f.at.getUTCMonth(), f.at.getUTCDate());
      const common = (s: Scope, id: string) => {
        const from = s.effective.from;
        const to =
          from !== undefined && s.effective.length !== undefined
            ? from + s.effective.length
            : s.effective.length;
        return {
          id,
          jurisdiction: s.jurisdiction,
          purposes: s.purposes,
          channels: s.channels,
          effectiveFrom: from !== undefined ? isoDay(day0 + from * DAY) : null,
          effectiveTo: to !== undefined ? isoDay(day0 + to * DAY) : null,
        };
      };
      const hours: HoursRule[] = e.hours.map(([s, w], i) => ({
        ...common(s, `t.hours.${i}`),
        ...w,
      }));
      const caps: CapRule[] = e.caps.map(([s, max, window], i) => ({
        ...common(s, `t.cap.${i}`),
        max,
        ...window,
      }));
      const gaps: GapRule[] = e.gaps.map(([s, minGapHours], i) => ({
        ...common(s, `t.gap.${i}`),
        minGapHours,
      }));
      const cooldowns: CooldownRule[] = e.cooldowns.map(([s, c], i) => ({
        ...common(s, `t.cool.${i}`),
        ...c,
      }));
      return {
        version: 'effective-test',
        hours: [...DEFAULT_RULES.hours, ...hours],
        caps: [...DEFAULT_RULES.caps, ...caps],
        gaps: [...DEFAULT_RULES.gaps, ...gaps],
        cooldowns: [...DEFAULT_RULES.cooldowns, ...cooldowns],
        consentRequired: DEFAULT_RULES.consentRequired,
      };
    }

    it('(a) the same facts at nextAllowedAt are allowed', () => {
      fc.assert(
        fc.property(contact, extra, (f, e) => reevaluatesAllowed(f, rulesFor(f, e))),
        { numRuns: RUNS },
      );
    });

    it('(c) nextAllowedAt is the earliest', () => {
      fc.assert(
        fc.property(contact, extra, (f, e) => isEarliest(f, rulesFor(f, e))),
        { numRuns: RUNS },
      );
    });
  });
});
