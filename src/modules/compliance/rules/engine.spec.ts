import { DEFAULT_RULES } from './default-rules';
import { batchEvaluator, evaluate, kindOf } from './engine';
import type {
  AttemptFact,
  CapRule,
  Check,
  ConsentFact,
  ContactChannel,
  ContactFacts,
  ContactPurpose,
  Decision,
  HoursRule,
  RuleSet,
} from './types';
import { candidateZones } from './zones';

const NY = 'America/New_York';
const CHI = 'America/Chicago';
const LA = 'America/Los_Angeles';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A collection call to a New York home phone on Tuesday 2026-03-10, 11:00 EDT. */
function facts(over: Partial<ContactFacts> = {}): ContactFacts {
  return {
    channel: 'call',
    purpose: 'collection',
    at: at('2026-03-10T15:00:00Z'),
    zones: [NY],
    state: 'NY',
    toType: 'home',
    debtId: 'D1',
    consents: [],
    bans: [],
    attempts: [],
    ...over,
  };
}

const run = (over: Partial<ContactFacts> = {}, rules: RuleSet = DEFAULT_RULES) =>
  evaluate(facts(over), rules);

const failedOf = (d: Decision) => d.checks.filter((c) => !c.passed).map((c) => c.rule);
const failed = (f: ContactFacts, rules: RuleSet = DEFAULT_RULES) => failedOf(evaluate(f, rules));
const checkOf = (d: Decision, rule: string): Check | undefined =>
  d.checks.find((c) => c.rule === rule);
const ruleIds = (d: Decision) => d.checks.map((c) => c.rule);

const consent = (
  channel: ContactChannel,
  purpose: ContactPurpose,
  granted = true,
  when = '2026-01-01T00:00:00Z',
  expiresAt?: string,
): ConsentFact => ({
  channel,
  purpose,
  granted,
  at: at(when),
  ...(expiresAt ? { expiresAt: at(expiresAt) } : {}),
});

/** One collection call about D1 at the given instant. */
const call = (when: string, extra: Partial<AttemptFact> = {}): AttemptFact => ({
  channel: 'call',
  purpose: 'collection',
  debtId: 'D1',
  at: at(when),
  ...extra,
});

const calls = (
  n: number,
  from: Date,
  everyHours: number,
  extra: Partial<AttemptFact> = {},
): AttemptFact[] =>
  Array.from({ length: n }, (_, i) => ({
    channel: 'call',
    purpose: 'collection',
    debtId: 'D1',
    at: new Date(from.getTime() + i * everyHours * 3600_000),
    ...extra,
  }));

/** One call a day at `hhmmZ` (UTC) on each of the given ISO dates. */
const daily = (dates: string[], hhmmZ = '16:00', extra: Partial<AttemptFact> = {}) =>
  dates.map((d) => call(`${d}T${hhmmZ}:00Z`, extra));

const dates = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    new Date(at(`${from}T00:00:00Z`).getTime() + i * 86_400_000).toISOString().slice(0, 10),
  );

const REGF_HOURS = {
  rule: 'regf.hours',
  kind: 'law',
  citation: '12 CFR 1006.6(b)(1)(i)',
} as const;

/** DEFAULT_RULES with extra rules appended (a copy: the shipped set stays untouched). */
function withRules(
  extra: Partial<Omit<RuleSet, 'version'>>,
  base: RuleSet = DEFAULT_RULES,
): RuleSet {
  return {
    version: `${base.version}+test`,
    hours: [...base.hours, ...(extra.hours ?? [])],
    caps: [...base.caps, ...(extra.caps ?? [])],
    gaps: [...base.gaps, ...(extra.gaps ?? [])],
    cooldowns: [...base.cooldowns, ...(extra.cooldowns ?? [])],
    consentRequired: [...base.consentRequired, ...(extra.consentRequired ?? [])],
  };
}

const EMPTY_RULES: RuleSet = {
  version: 'empty',
  hours: [],
  caps: [],
  gaps: [],
  cooldowns: [],
  consentRequired: [],
};

describe('contact rules engine', () => {
  describe('the checks of a plain allowed call', () => {
    it('lists every applicable rule with its kind, citation and detail', () => {
      const d = run();
      expect(d.allowed).toBe(true);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T15:00:00.000Z');
      expect(d.checks).toEqual([
        {
          rule: 'do_not_contact',
          kind: 'law',
          passed: true,
          detail: 'not on a do-not-contact list',
          citation: '12 CFR 1006.14(h); 47 CFR 64.1200(c)(2), (d)',
        },
        {
          rule: 'regf.cease_communication',
          kind: 'law',
          passed: true,
          detail: 'no cease request',
          citation: '12 CFR 1006.6(c)(1)',
        },
        { ...REGF_HOURS, passed: true, detail: 'inside 08:00-21:00 in America/New_York' },
        {
          rule: 'regf.7in7',
          kind: 'law',
          passed: true,
          detail: '0 of at most 7 in 7 calendar days for this debt',
          citation: '12 CFR 1006.14(b)(2)(i)(A)',
        },
        {
          rule: 'house.call.day',
          kind: 'house',
          passed: true,
          detail: '0 of at most 3 in 24 h',
          citation: null,
        },
        {
          rule: 'house.call.week',
          kind: 'house',
          passed: true,
          detail: '0 of at most 10 in 168 h',
          citation: null,
        },
        {
          rule: 'house.call.gap',
          kind: 'house',
          passed: true,
          detail: 'no earlier call',
          citation: null,
        },
        {
          rule: 'regf.after_conversation',
          kind: 'law',
          passed: true,
          detail: 'no recent conversation about this debt',
          citation: '12 CFR 1006.14(b)(2)(i)(B)',
        },
      ]);
    });

    it('lists the state, consent and channel rules that apply to a marketing text', () => {
      const d = run({
        channel: 'sms',
        purpose: 'marketing',
        state: 'FL',
        toType: 'cell',
        consents: [consent('sms', 'marketing')],
      });
      expect(d.allowed).toBe(true);
      expect(ruleIds(d)).toEqual([
        'tcpa.consent.sms',
        'tcpa.consent.marketing',
        'do_not_contact',
        'tcpa.hours',
        'fl.hours',
        'fl.3in24',
        'house.sms.day',
        'house.sms.week',
        'house.sms.gap',
      ]);
      expect(checkOf(d, 'tcpa.consent.sms')).toEqual({
        rule: 'tcpa.consent.sms',
        kind: 'law',
        passed: true,
        detail: 'prior express consent on file',
        citation: '47 U.S.C. 227(b)(1)(A)(iii); 47 CFR 64.1200(a)(1)',
      });
      expect(checkOf(d, 'house.sms.gap')?.detail).toBe('no earlier sms');
    });

    it('lists the email rules', () => {
      const d = run({ channel: 'email', consents: [] });
      expect(d.allowed).toBe(true);
      expect(ruleIds(d)).toEqual([
        'do_not_contact',
        'regf.cease_communication',
        'regf.hours',
        'house.email.day',
        'house.email.week',
        'house.email.gap',
      ]);
    });
  });

  describe('legal hours', () => {
    it.each([
      ['a weekday call at 11:00 local', '2026-03-10T15:00:00Z', true, '2026-03-10T15:00:00.000Z'],
      ['07:59 local', '2026-03-10T11:59:00Z', false, '2026-03-10T12:00:00.000Z'],
      ['07:59:30.250 local', '2026-03-10T11:59:30.250Z', false, '2026-03-10T12:00:00.000Z'],
      ['08:00 local exactly', '2026-03-10T12:00:00Z', true, '2026-03-10T12:00:00.000Z'],
      ['20:59 local', '2026-03-11T00:59:00Z', true, '2026-03-11T00:59:00.000Z'],
      ['20:59:59 local', '2026-03-11T00:59:59Z', true, '2026-03-11T00:59:59.000Z'],
      ['21:00 local', '2026-03-11T01:00:00Z', false, '2026-03-11T12:00:00.000Z'],
      ['23:30 local', '2026-03-11T03:30:00Z', false, '2026-03-11T12:00:00.000Z'],
      ['00:00 local', '2026-03-11T04:00:00Z', false, '2026-03-11T12:00:00.000Z'],
      // DST starts 2026-03-08 02:00: 08:30 EDT is 12:30Z, 07:30 EDT is 11:30Z.
      ['DST start day, 08:30 EDT', '2026-03-08T12:30:00Z', true, '2026-03-08T12:30:00.000Z'],
      ['DST start day, 07:30 EDT', '2026-03-08T11:30:00Z', false, '2026-03-08T12:00:00.000Z'],
      [
        'the evening before DST starts, 21:30 EST',
        '2026-03-08T02:30:00Z',
        false,
        '2026-03-08T12:00:00.000Z',
      ],
      // DST ends 2026-11-01 02:00: 12:30Z is 07:30 EST; 08:00 EST is 13:00Z.
      ['DST end day, 07:30 EST', '2026-11-01T12:30:00Z', false, '2026-11-01T13:00:00.000Z'],
      ['DST end day, 20:59 EST', '2026-11-02T01:59:00Z', true, '2026-11-02T01:59:00.000Z'],
      [
        'the evening before DST ends, 21:00 EDT',
        '2026-11-01T01:00:00Z',
        false,
        '2026-11-01T13:00:00.000Z',
      ],
    ])('%s', (_label, when, allowed, next) => {
      const d = run({ at: at(when) });
      expect(d.allowed).toBe(allowed);
      expect(iso(d.nextAllowedAt)).toBe(next);
      expect(failedOf(d)).toEqual(allowed ? [] : ['regf.hours']);
      expect(checkOf(d, 'regf.hours')).toEqual({
        ...REGF_HOURS,
        passed: allowed,
        detail: `${allowed ? 'inside' : 'outside'} 08:00-21:00 in America/New_York`,
      });
    });

    it('needs the time legal in every candidate zone and names the zones outside', () => {
      // 08:30 EDT but 07:30 CDT.
      const d = run({ zones: [NY, CHI], state: 'FL', at: at('2026-03-10T12:30:00Z') });
      expect(d.allowed).toBe(false);
      expect(checkOf(d, 'regf.hours')?.detail).toBe('outside 08:00-21:00 in America/Chicago');
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T13:00:00.000Z');
      // 07:30 in Chicago and 05:30 in Los Angeles: both named, in order.
      const both = run({ zones: [NY, CHI, LA], at: at('2026-03-10T12:30:00Z') });
      expect(checkOf(both, 'regf.hours')?.detail).toBe(
        'outside 08:00-21:00 in America/Chicago, America/Los_Angeles',
      );
      expect(iso(both.nextAllowedAt)).toBe('2026-03-10T15:00:00.000Z');
      const inside = run({ zones: [NY, CHI], at: at('2026-03-10T15:00:00Z') });
      expect(checkOf(inside, 'regf.hours')?.detail).toBe(
        'inside 08:00-21:00 in America/New_York, America/Chicago',
      );
      // 20:30 in Chicago is 21:30 in New York.
      const late = run({ zones: [CHI, NY], at: at('2026-03-11T01:30:00Z') });
      expect(checkOf(late, 'regf.hours')?.detail).toBe('outside 08:00-21:00 in America/New_York');
      expect(iso(late.nextAllowedAt)).toBe('2026-03-11T13:00:00.000Z');
    });

    it('refuses for good when no zone is known', () => {
      const d = run({ zones: [] });
      expect(d.allowed).toBe(false);
      expect(d.nextAllowedAt).toBeNull();
      expect(failedOf(d)).toEqual(['quiet_hours.zone']);
      expect(checkOf(d, 'quiet_hours.zone')).toEqual({
        rule: 'quiet_hours.zone',
        kind: 'law',
        passed: false,
        detail: "the consumer's time zone cannot be determined",
        citation: '12 CFR 1006.6(b)(1)(i)',
      });
      expect(checkOf(d, 'regf.hours')?.detail).toBe('inside 08:00-21:00 in no zone');
      expect(ruleIds(run())).not.toContain('quiet_hours.zone');
    });

    it('derives both zones for an area code whose state spans two, and needs both legal', () => {
      const zones = candidateZones({
        phone: '+18505550101',
        state: null,
        zip: null,
        timezone: null,
      });
      expect([...zones].sort()).toEqual(['America/Chicago', 'America/New_York']);
      // 08:30 EDT but 07:30 CDT.
      const d = run({ zones, state: 'FL', at: at('2026-03-10T12:30:00Z') });
      expect(d.allowed).toBe(false);
      expect(checkOf(d, 'regf.hours')?.detail).toContain('America/Chicago');
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T13:00:00.000Z');
    });

    it('needs the time legal for the phone’s zone and the address’s zone when they differ', () => {
      const zones = candidateZones({
        phone: '+12125550101',
        state: 'CA',
        zip: '94105',
        timezone: null,
      });
      expect([...zones].sort()).toEqual(['America/Los_Angeles', 'America/New_York']);
      expect(run({ zones, state: 'CA', at: at('2026-03-10T15:30:00Z') }).allowed).toBe(true);
      const early = run({ zones, state: 'CA', at: at('2026-03-10T14:30:00Z') });
      expect(early.allowed).toBe(false);
      expect(iso(early.nextAllowedAt)).toBe('2026-03-10T15:00:00.000Z');
    });

    it('uses the stored zone alone when everything known agrees, and every zone when it conflicts', () => {
      expect(
        candidateZones({
          timezone: 'America/New_York',
          phone: '+12125550101',
          zip: '10001',
          state: 'NY',
        }),
      ).toEqual(['America/New_York']);
      expect(
        [
          ...candidateZones({
            timezone: 'America/New_York',
            phone: '+13105550101',
            zip: null,
            state: null,
          }),
        ].sort(),
      ).toEqual(['America/Los_Angeles', 'America/New_York']);
      expect(candidateZones({})).toEqual([]);
    });
  });

  describe('consumer and campaign windows', () => {
    const preferredWindow = { start: '10:30', end: '18:15' };
    const PREFERRED_CITATION = '12 CFR 1006.6(b)(1) (time known to be inconvenient)';

    it.each([
      ['10:29', '2026-03-10T14:29:00Z', false, '2026-03-10T14:30:00.000Z'],
      ['10:29:59.999', '2026-03-10T14:29:59.999Z', false, '2026-03-10T14:30:00.000Z'],
      ['10:30', '2026-03-10T14:30:00Z', true, '2026-03-10T14:30:00.000Z'],
      ['18:14', '2026-03-10T22:14:00Z', true, '2026-03-10T22:14:00.000Z'],
      ['18:15', '2026-03-10T22:15:00Z', false, '2026-03-11T14:30:00.000Z'],
      ['09:45', '2026-03-10T13:45:00Z', false, '2026-03-10T14:30:00.000Z'],
    ])('a preferred window of 10:30-18:15 at %s local', (_label, when, allowed, next) => {
      const d = run({ at: at(when), preferredWindow });
      expect(d.allowed).toBe(allowed);
      expect(iso(d.nextAllowedAt)).toBe(next);
      expect(failedOf(d)).toEqual(allowed ? [] : ['consumer_preferred_hours']);
      expect(checkOf(d, 'consumer_preferred_hours')).toEqual({
        rule: 'consumer_preferred_hours',
        kind: 'law',
        passed: allowed,
        detail: `${allowed ? 'inside' : 'outside'} 10:30-18:15 in America/New_York`,
        citation: PREFERRED_CITATION,
      });
    });

    it('honours the consumer’s own window', () => {
      const f = facts({
        at: at('2026-03-10T13:30:00Z'),
        preferredWindow: { start: '10:00', end: '18:00' },
      });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failed(f)).toEqual(['consumer_preferred_hours']);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T14:00:00.000Z');
    });

    it('adds no window check without a preferred or campaign window', () => {
      const ids = ruleIds(run({ preferredWindow: null, campaignWindow: null }));
      expect(ids).not.toContain('consumer_preferred_hours');
      expect(ids).not.toContain('campaign_window');
    });

    it.each([
      ['09:44', '2026-03-10T13:44:00Z', false, '2026-03-10T13:45:00.000Z'],
      ['09:45', '2026-03-10T13:45:00Z', true, '2026-03-10T13:45:00.000Z'],
      ['17:29', '2026-03-10T21:29:00Z', true, '2026-03-10T21:29:00.000Z'],
      ['17:30', '2026-03-10T21:30:00Z', false, '2026-03-11T13:45:00.000Z'],
    ])('a campaign window of 09:45-17:30 at %s local', (_label, when, allowed, next) => {
      const d = run({ at: at(when), campaignWindow: { start: '09:45', end: '17:30' } });
      expect(d.allowed).toBe(allowed);
      expect(iso(d.nextAllowedAt)).toBe(next);
      expect(failedOf(d)).toEqual(allowed ? [] : ['campaign_window']);
      expect(checkOf(d, 'campaign_window')).toEqual({
        rule: 'campaign_window',
        kind: 'house',
        passed: allowed,
        detail: `${allowed ? 'inside' : 'outside'} 09:45-17:30 in America/New_York`,
        citation: null,
      });
    });

    it.each([
      ['07:59', '2026-03-10T11:59:00Z', false, ['regf.hours', 'campaign_window']],
      ['08:00', '2026-03-10T12:00:00Z', true, []],
      ['20:59', '2026-03-11T00:59:00Z', true, []],
      ['21:00', '2026-03-11T01:00:00Z', false, ['regf.hours', 'campaign_window']],
    ])('a campaign window of 08:00-21:00 at %s local', (_label, when, allowed, failing) => {
      const d = run({ at: at(when), campaignWindow: { start: '08:00', end: '21:00' } });
      expect(d.allowed).toBe(allowed);
      expect(failedOf(d)).toEqual(failing);
    });

    it('takes the latest opening of the legal, preferred and campaign windows', () => {
      // 07:00 EDT: the law opens at 08:00, the consumer at 10:30, the campaign at 11:15.
      const d = run({
        at: at('2026-03-10T11:00:00Z'),
        preferredWindow,
        campaignWindow: { start: '11:15', end: '19:00' },
      });
      expect(failedOf(d)).toEqual(['regf.hours', 'consumer_preferred_hours', 'campaign_window']);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T15:15:00.000Z');
      // Windows that never overlap: refused with no time found.
      const never = run({
        preferredWindow,
        campaignWindow: { start: '18:30', end: '20:00' },
      });
      expect(never.allowed).toBe(false);
      expect(never.nextAllowedAt).toBeNull();
    });

    it('applies the preferred window in every candidate zone', () => {
      // 10:45 EDT is 09:45 CDT.
      const d = run({ zones: [NY, CHI], at: at('2026-03-10T14:45:00Z'), preferredWindow });
      expect(checkOf(d, 'consumer_preferred_hours')?.detail).toBe(
        'outside 10:30-18:15 in America/Chicago',
      );
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T15:30:00.000Z');
    });
  });

  describe('state rules and their presumptions of residence', () => {
    const marketingCall = (over: Partial<ContactFacts>) =>
      facts({
        purpose: 'marketing',
        consents: [consent('call', 'marketing')],
        ...over,
      });
    // 20:30 local on Tuesday 2026-03-10.
    const evening = { [NY]: at('2026-03-11T00:30:00Z'), [CHI]: at('2026-03-11T01:30:00Z') };

    it('refuses a Florida marketing call at 20:30 local (8-20) though TCPA allows it until 21', () => {
      const f = marketingCall({ state: 'FL', at: evening[NY] });
      const d = evaluate(f, DEFAULT_RULES);
      expect(d.allowed).toBe(false);
      expect(failed(f)).toEqual(['fl.hours']);
      expect(checkOf(d, 'fl.hours')).toEqual({
        rule: 'fl.hours',
        kind: 'law',
        passed: false,
        detail: 'outside 08:00-20:00 in America/New_York',
        citation: 'Fla. Stat. 501.616(6)(a)',
      });
      expect(iso(d.nextAllowedAt)).toBe('2026-03-11T12:00:00.000Z');
      expect(evaluate({ ...f, state: 'NY' }, DEFAULT_RULES).allowed).toBe(true);
      // 19:59 is still fine.
      expect(evaluate({ ...f, at: at('2026-03-10T23:59:00Z') }, DEFAULT_RULES).allowed).toBe(true);
    });

    it('refuses a fourth Florida marketing call in 24 hours', () => {
      const attempts = calls(3, at('2026-03-09T20:00:00Z'), 5, { purpose: 'marketing' });
      const f = marketingCall({ state: 'FL', attempts, at: at('2026-03-10T15:00:00Z') });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failedOf(d)).toEqual(['fl.3in24', 'house.call.day']);
      expect(checkOf(d, 'fl.3in24')).toEqual({
        rule: 'fl.3in24',
        kind: 'law',
        passed: false,
        detail: '3 of at most 3 in 24 h',
        citation: 'Fla. Stat. 501.616(6)(b)',
      });
      // The oldest (2026-03-09T20:00Z) leaves the rolling window 24 h and 1 ms later.
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T20:00:00.000Z');
    });

    it.each([
      ['an Oklahoma number with a Texas address', { state: 'TX', phoneState: 'OK' }, true],
      ['an Oklahoma address', { state: 'OK', phoneState: null }, true],
      ['an Oklahoma ZIP with a Texas address', { state: 'TX', zipState: 'OK' }, true],
      ['a Texas address and a Texas number', { state: 'TX', phoneState: 'TX' }, false],
      ['a Texas address, no number state', { state: 'TX' }, false],
    ])('applies Oklahoma’s hours to %s', (_label, over, applies) => {
      const d = evaluate(marketingCall({ ...over, zones: [CHI], at: evening[CHI] }), DEFAULT_RULES);
      expect(d.allowed).toBe(!applies);
      expect(failedOf(d)).toEqual(applies ? ['ok.otsa.hours'] : []);
      expect(ruleIds(d).includes('ok.otsa.hours')).toBe(applies);
      expect(ruleIds(d).includes('ok.otsa.3in24')).toBe(applies);
      if (applies) {
        expect(checkOf(d, 'ok.otsa.hours')).toEqual({
          rule: 'ok.otsa.hours',
          kind: 'law',
          passed: false,
          detail: 'outside 08:00-20:00 in America/Chicago',
          citation: 'Okla. Stat. tit. 15, 775C.4',
        });
        expect(iso(d.nextAllowedAt)).toBe('2026-03-11T13:00:00.000Z');
      }
    });

    it('applies Oklahoma’s 3-in-24 to an Oklahoma number with a Texas address', () => {
      const attempts = [
        call('2026-03-09T22:00:00Z', { purpose: 'marketing', channel: 'sms' }),
        call('2026-03-10T12:00:00Z', { purpose: 'marketing', channel: 'sms' }),
        call('2026-03-10T14:00:00Z', { purpose: 'marketing' }),
      ];
      const f = marketingCall({
        zones: [CHI],
        state: 'TX',
        phoneState: 'OK',
        attempts,
        at: at('2026-03-10T19:00:00Z'),
      });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failedOf(d)).toEqual(['ok.otsa.3in24']);
      expect(checkOf(d, 'ok.otsa.3in24')).toEqual({
        rule: 'ok.otsa.3in24',
        kind: 'law',
        passed: false,
        detail: '3 of at most 3 in 24 h',
        citation: 'Okla. Stat. tit. 15, 775C.4',
      });
      // The text of 22:00Z leaves the 24 h window after 24 h (17:00 CDT, inside 08:00-20:00).
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T22:00:00.000Z');
      expect(evaluate({ ...f, phoneState: null }, DEFAULT_RULES).allowed).toBe(true);
    });

    it.each([
      ['a Florida number with a Georgia address', { state: 'GA', phoneState: 'FL' }, true],
      ['a Florida ZIP with a Georgia address', { state: 'GA', zipState: 'FL' }, true],
      ['a Georgia address and number', { state: 'GA', phoneState: 'GA' }, false],
    ])('applies Florida’s rules to %s', (_label, over, applies) => {
      const late = evaluate(marketingCall({ ...over, at: evening[NY] }), DEFAULT_RULES);
      expect(failedOf(late)).toEqual(applies ? ['fl.hours'] : []);
      const attempts = calls(3, at('2026-03-09T20:00:00Z'), 5, { purpose: 'marketing' });
      const busy = evaluate(marketingCall({ ...over, attempts }), DEFAULT_RULES);
      expect(failedOf(busy)).toEqual(applies ? ['fl.3in24', 'house.call.day'] : ['house.call.day']);
    });

    it.each([
      ['a Maryland number with a New York address (no presumption)', { phoneState: 'MD' }, false],
      ['a Maryland address', { state: 'MD' }, true],
      ['a Maryland ZIP with a New York address', { zipState: 'MD' }, true],
    ])('applies Maryland’s rules to %s', (_label, over, applies) => {
      const late = evaluate(marketingCall({ ...over, at: evening[NY] }), DEFAULT_RULES);
      expect(failedOf(late)).toEqual(applies ? ['md.stopact.hours'] : []);
      if (applies)
        expect(checkOf(late, 'md.stopact.hours')).toEqual({
          rule: 'md.stopact.hours',
          kind: 'law',
          passed: false,
          detail: 'outside 08:00-20:00 in America/New_York',
          citation: 'Md. Code, Com. Law 14-4502',
        });
      const attempts = calls(3, at('2026-03-09T20:00:00Z'), 5, {
        purpose: 'marketing',
        channel: 'sms',
      });
      const texts = evaluate(
        marketingCall({ ...over, attempts, at: at('2026-03-10T15:00:00Z') }),
        DEFAULT_RULES,
      );
      expect(failedOf(texts)).toEqual(applies ? ['md.stopact.3in24'] : []);
      if (applies) {
        expect(checkOf(texts, 'md.stopact.3in24')?.citation).toBe('Md. Code, Com. Law 14-4502');
        expect(iso(texts.nextAllowedAt)).toBe('2026-03-10T20:00:00.000Z');
      }
    });

    it('does not apply state marketing rules to collection calls', () => {
      const d = run({ state: 'FL', phoneState: 'OK', zipState: 'MD', at: evening[NY] });
      expect(d.allowed).toBe(true);
      expect(ruleIds(d).filter((r) => /^(fl|ok|md)\./.test(r))).toEqual([]);
    });

    it('refuses a third collection text to a Massachusetts consumer within 7 days', () => {
      const texts: AttemptFact[] = [at('2026-03-05T15:00:00Z'), at('2026-03-07T15:00:00Z')].map(
        (t) => ({ channel: 'sms', purpose: 'collection', debtId: 'D1', at: t, toType: 'cell' }),
      );
      const f = facts({
        channel: 'sms',
        state: 'MA',
        toType: 'cell',
        consents: [consent('sms', 'collection')],
        attempts: texts,
      });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failedOf(d)).toEqual(['ma.collector.home_cell']);
      expect(checkOf(d, 'ma.collector.home_cell')).toEqual({
        rule: 'ma.collector.home_cell',
        kind: 'law',
        passed: false,
        detail: '2 of at most 2 in 168 h for this debt',
        citation: '209 CMR 18.16(1)(d); 940 CMR 7.04(1)(f)',
      });
      // The first text leaves the 7-day window at 2026-03-12T15:00Z (+1 ms).
      expect(iso(d.nextAllowedAt)).toBe('2026-03-12T15:00:00.000Z');
      expect(evaluate({ ...f, state: 'NY' }, DEFAULT_RULES).allowed).toBe(true);
      // Texts about another debt, or that the consumer sent, do not count.
      expect(
        evaluate({ ...f, attempts: texts.map((t) => ({ ...t, debtId: 'D2' })) }, DEFAULT_RULES)
          .allowed,
      ).toBe(true);
      expect(
        evaluate(
          { ...f, attempts: texts.map((t) => ({ ...t, consumerInitiated: true })) },
          DEFAULT_RULES,
        ).allowed,
      ).toBe(true);
      // A work number has its own cap: 2 in 30 days.
      const work = facts({
        state: 'MA',
        toType: 'work',
        attempts: calls(2, at('2026-02-20T15:00:00Z'), 72, { toType: 'work' }),
      });
      const w = evaluate(work, DEFAULT_RULES);
      expect(failedOf(w)).toEqual(['ma.collector.other']);
      expect(checkOf(w, 'ma.collector.other')?.detail).toBe(
        '2 of at most 2 in 720 h for this debt',
      );
      expect(iso(w.nextAllowedAt)).toBe('2026-03-22T15:00:00.000Z');
      expect(ruleIds(w)).not.toContain('ma.collector.home_cell');
      // Calls to the home number do not count towards the work number's cap.
      expect(
        evaluate(
          { ...work, attempts: calls(2, at('2026-02-20T15:00:00Z'), 72, { toType: 'home' }) },
          DEFAULT_RULES,
        ).allowed,
      ).toBe(true);
    });

    it.each([
      ['a Massachusetts ZIP with a New York address', { zipState: 'MA' }, true],
      ['a Massachusetts address', { state: 'MA' }, true],
      ['a Massachusetts area code only (no presumption)', { phoneState: 'MA' }, false],
    ])('applies the Massachusetts collector cap to %s', (_label, over, applies) => {
      const attempts = [call('2026-03-05T15:00:00Z'), call('2026-03-08T15:00:00Z')];
      const d = run({ ...over, attempts });
      expect(failedOf(d)).toEqual(applies ? ['ma.collector.home_cell'] : []);
    });

    it('counts attempts with no number type as home/cell for Massachusetts', () => {
      const attempts = [call('2026-03-05T15:00:00Z'), call('2026-03-08T15:00:00Z')];
      expect(failedOf(run({ state: 'MA', toType: 'unknown', attempts }))).toEqual([
        'ma.collector.home_cell',
      ]);
      expect(
        failedOf(
          run({ state: 'MA', toType: 'cell', attempts, consents: [consent('call', 'collection')] }),
        ),
      ).toEqual(['ma.collector.home_cell']);
    });
  });

  describe('Reg F 7-in-7 (calendar days in the consumer’s zone)', () => {
    it('refuses an eighth call on the seventh day, and frees at 08:00 on the next day', () => {
      const f = facts({
        attempts: daily(dates('2026-03-04', 7)),
        at: at('2026-03-10T20:00:00Z'),
      });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failedOf(d)).toEqual(['regf.7in7']);
      expect(checkOf(d, 'regf.7in7')).toEqual({
        rule: 'regf.7in7',
        kind: 'law',
        passed: false,
        detail: '7 of at most 7 in 7 calendar days for this debt (America/New_York)',
        citation: '12 CFR 1006.14(b)(2)(i)(A)',
      });
      expect(iso(d.nextAllowedAt)).toBe('2026-03-11T12:00:00.000Z');
      // Calls about another debt, calls the consumer made and calls placed with consent do not count.
      for (const extra of [{ debtId: 'D2' }, { consumerInitiated: true }, { withConsent: true }])
        expect(
          evaluate({ ...f, attempts: daily(dates('2026-03-04', 7), '16:00', extra) }, DEFAULT_RULES)
            .allowed,
        ).toBe(true);
      // Texts and marketing calls do not count either.
      expect(
        evaluate(
          { ...f, attempts: daily(dates('2026-03-04', 7), '16:00', { channel: 'sms' }) },
          DEFAULT_RULES,
        ).allowed,
      ).toBe(true);
      expect(
        evaluate(
          { ...f, attempts: daily(dates('2026-03-04', 7), '16:00', { purpose: 'marketing' }) },
          DEFAULT_RULES,
        ).allowed,
      ).toBe(true);
    });

    it('allows the call that the old 168-hour reading refused (the window is Mar 4-10)', () => {
      const first = at('2026-03-03T16:00:00Z');
      const d = run({ attempts: calls(7, first, 24), at: at('2026-03-10T15:00:00Z') });
      expect(d.allowed).toBe(true);
      expect(checkOf(d, 'regf.7in7')?.detail).toBe(
        '6 of at most 7 in 7 calendar days for this debt (America/New_York)',
      );
    });

    it('counts every debt when the contact names none', () => {
      const attempts = [
        ...daily(dates('2026-03-04', 4)),
        ...daily(dates('2026-03-08', 3), '16:00', { debtId: 'D2' }),
      ];
      expect(failedOf(run({ attempts, debtId: null, at: at('2026-03-10T20:00:00Z') }))).toEqual([
        'regf.7in7',
      ]);
      expect(run({ attempts, debtId: 'D1', at: at('2026-03-10T20:00:00Z') }).allowed).toBe(true);
    });

    it('ignores attempts after the contact', () => {
      const attempts = daily(dates('2026-03-04', 7));
      // 2026-03-10T15:00Z is before the seventh call (16:00Z).
      expect(run({ attempts, at: at('2026-03-10T15:00:00Z') }).allowed).toBe(true);
    });

    it.each([
      // [label, first call date, eval instant, expected next]
      ['January’s end', '2026-01-25', '2026-01-31T20:00:00Z', '2026-02-01T13:00:00.000Z'],
      [
        'February’s end (2026 is no leap year)',
        '2026-02-22',
        '2026-02-28T20:00:00Z',
        '2026-03-01T13:00:00.000Z',
      ],
      ['the DST start (Mar 8)', '2026-03-02', '2026-03-08T20:30:00Z', '2026-03-09T12:00:00.000Z'],
      ['the DST end (Nov 1)', '2026-10-26', '2026-11-01T20:30:00Z', '2026-11-02T13:00:00.000Z'],
      ['the year’s end', '2026-12-25', '2026-12-31T20:00:00Z', '2027-01-01T13:00:00.000Z'],
    ])('counts days across %s', (_label, first, when, next) => {
      const attempts = daily(dates(first, 7));
      const d = run({ attempts, at: at(when) });
      expect(failedOf(d)).toEqual(['regf.7in7']);
      expect(iso(d.nextAllowedAt)).toBe(next);
      const there = run({ attempts, at: at(next) });
      expect(there.allowed).toBe(true);
      expect(checkOf(there, 'regf.7in7')?.detail).toBe(
        '6 of at most 7 in 7 calendar days for this debt (America/New_York)',
      );
      // A minute before 08:00 only the hours stand in the way.
      const before = run({ attempts, at: new Date(at(next).getTime() - 60_000) });
      expect(failedOf(before)).toEqual(['regf.hours']);
    });

    it('does not count a call eight local days back', () => {
      const attempts = daily(['2026-03-03', ...dates('2026-03-04', 6)]);
      const d = run({ attempts, at: at('2026-03-10T20:00:00Z') });
      expect(d.allowed).toBe(true);
      expect(checkOf(d, 'regf.7in7')?.detail).toBe(
        '6 of at most 7 in 7 calendar days for this debt (America/New_York)',
      );
    });

    it('frees on the day after the oldest call that keeps the count at seven', () => {
      // Eight counted calls (two on Mar 5): free when Mar 5 leaves the window, on Mar 12.
      const attempts = [
        ...daily(dates('2026-03-04', 7)),
        call('2026-03-05T22:00:00Z', { consumerInitiated: false }),
      ];
      const d = run({ attempts, at: at('2026-03-10T22:00:00Z') });
      expect(checkOf(d, 'regf.7in7')?.detail).toBe(
        '8 of at most 7 in 7 calendar days for this debt (America/New_York)',
      );
      expect(iso(d.nextAllowedAt)).toBe('2026-03-12T12:00:00.000Z');
    });

    describe('a call whose local date differs between zones', () => {
      // 2026-03-01T06:30Z is 01:30 on Mar 1 in New York but 22:30 on Feb 28 in Los Angeles.
      const attempts = [call('2026-03-01T06:30:00Z'), ...daily(dates('2026-03-02', 6))];
      const when = at('2026-03-07T20:30:00Z');

      it.each([
        [[NY], false, 7, NY, '2026-03-08T12:00:00.000Z'],
        [[LA], true, 6, LA, '2026-03-07T20:30:00.000Z'],
        [[NY, LA], false, 7, NY, '2026-03-08T15:00:00.000Z'],
        [[LA, NY], false, 7, NY, '2026-03-08T15:00:00.000Z'],
      ])('zones %j: the strictest zone decides', (zones, allowed, count, zone, next) => {
        const d = run({ zones, attempts, at: when });
        expect(d.allowed).toBe(allowed);
        expect(failedOf(d)).toEqual(allowed ? [] : ['regf.7in7']);
        expect(checkOf(d, 'regf.7in7')?.detail).toBe(
          `${count} of at most 7 in 7 calendar days for this debt (${zone})`,
        );
        expect(iso(d.nextAllowedAt)).toBe(next);
      });

      it('with equal counts, keeps the zone that frees later', () => {
        // 2026-03-03T07:00Z is Mar 3 in New York, Mar 2 in Los Angeles: both count it on Mar 8, but
        // it leaves New York's window a day later.
        const seven = [
          call('2026-03-03T07:00:00Z'),
          call('2026-03-03T20:00:00Z'),
          ...daily(dates('2026-03-04', 5)),
        ];
        for (const zones of [
          [NY, LA],
          [LA, NY],
        ]) {
          const d = run({ zones, attempts: seven, at: at('2026-03-08T22:00:00Z') });
          expect(failedOf(d)).toEqual(['regf.7in7']);
          expect(checkOf(d, 'regf.7in7')?.detail).toBe(
            '7 of at most 7 in 7 calendar days for this debt (America/New_York)',
          );
          // Midnight of Mar 10 in New York, then 08:00 in Los Angeles.
          expect(iso(d.nextAllowedAt)).toBe('2026-03-10T15:00:00.000Z');
        }
        const la = run({ zones: [LA], attempts: seven, at: at('2026-03-08T22:00:00Z') });
        expect(iso(la.nextAllowedAt)).toBe('2026-03-09T15:00:00.000Z');
      });
    });
  });

  describe('Reg F cooldown after a conversation (7 calendar days, its date the first)', () => {
    const conversation = (when: string, extra: Partial<AttemptFact> = {}) =>
      call(when, { conversation: true, ...extra });

    it('refuses a call three days after a conversation, until local day 8 opens', () => {
      const f = facts({ attempts: [conversation('2026-03-07T15:00:00Z')] });
      const d = evaluate(f, DEFAULT_RULES);
      expect(failedOf(d)).toEqual(['regf.after_conversation']);
      expect(checkOf(d, 'regf.after_conversation')).toEqual({
        rule: 'regf.after_conversation',
        kind: 'law',
        passed: false,
        detail:
          'a conversation about this debt on 2026-03-07T15:00:00.000Z; allowed from 2026-03-14T04:00:00.000Z',
        citation: '12 CFR 1006.14(b)(2)(i)(B)',
      });
      // Midnight EDT of Mar 14, then 08:00 for the hours rule.
      expect(iso(d.nextAllowedAt)).toBe('2026-03-14T12:00:00.000Z');
    });

    it.each([
      ['on the last day (Nov 7, 20:00 EST)', '2026-11-08T01:00:00Z', false],
      ['at 07:59 on Nov 8 (hours only)', '2026-11-08T12:59:00Z', false],
      ['at 08:00 EST on Nov 8', '2026-11-08T13:00:00Z', true],
    ])('blocks a conversation of Nov 1 (DST end) through Nov 7: %s', (_label, when, allowed) => {
      // 10:00 EST on 2026-11-01, the day DST ends.
      const attempts = [conversation('2026-11-01T15:00:00Z')];
      const d = run({ attempts, at: at(when) });
      expect(d.allowed).toBe(allowed);
      if (!allowed) expect(iso(d.nextAllowedAt)).toBe('2026-11-08T13:00:00.000Z');
      expect(
        run({ attempts, at: at('2026-11-07T17:00:00Z') }).checks.find((c) => !c.passed),
      ).toEqual(
        expect.objectContaining({
          rule: 'regf.after_conversation',
          detail: expect.stringContaining('allowed from 2026-11-08T05:00:00.000Z') as string,
        }),
      );
    });

    it('counts days across the DST start (conversation at 01:30 EST on Mar 8)', () => {
      const d = run({
        attempts: [conversation('2026-03-08T06:30:00Z')],
        at: at('2026-03-14T20:00:00Z'),
      });
      expect(failedOf(d)).toEqual(['regf.after_conversation']);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-15T12:00:00.000Z');
    });

    it.each([
      [[NY], false, '2026-03-08T12:00:00.000Z'],
      [[LA], true, '2026-03-07T18:00:00.000Z'],
      [[NY, LA], false, '2026-03-08T15:00:00.000Z'],
      [[LA, NY], false, '2026-03-08T15:00:00.000Z'],
    ])('with zones %j, the zone whose date is later decides', (zones, allowed, next) => {
      // 2026-03-01T06:30Z: Mar 1 in New York (free Mar 8), Feb 28 in Los Angeles (free Mar 7).
      const d = run({
        zones,
        attempts: [conversation('2026-03-01T06:30:00Z')],
        at: at('2026-03-07T18:00:00Z'),
      });
      expect(d.allowed).toBe(allowed);
      expect(iso(d.nextAllowedAt)).toBe(next);
      if (!allowed)
        expect(checkOf(d, 'regf.after_conversation')?.detail).toBe(
          'a conversation about this debt on 2026-03-01T06:30:00.000Z; allowed from 2026-03-08T05:00:00.000Z',
        );
    });

    it('ignores conversations about another debt, and later ones; counts those about no debt', () => {
      const at10 = at('2026-03-10T15:00:00Z');
      expect(
        run({ attempts: [conversation('2026-03-07T15:00:00Z', { debtId: 'D2' })] }).allowed,
      ).toBe(true);
      expect(run({ attempts: [conversation('2026-03-10T16:00:00Z')], at: at10 }).allowed).toBe(
        true,
      );
      expect(
        failedOf(run({ attempts: [conversation('2026-03-07T15:00:00Z', { debtId: null })] })),
      ).toEqual(['regf.after_conversation']);
      // A contact about no debt in particular is held by any conversation.
      expect(
        failedOf(
          run({ debtId: null, attempts: [conversation('2026-03-07T15:00:00Z', { debtId: 'D2' })] }),
        ),
      ).toEqual(['regf.after_conversation']);
      // An attempt without a conversation does not start the cooldown.
      expect(run({ attempts: [call('2026-03-07T15:00:00Z')] }).allowed).toBe(true);
    });

    it('reports the conversation that frees last', () => {
      const d = run({
        attempts: [
          conversation('2026-03-05T15:00:00Z'),
          conversation('2026-03-08T15:00:00Z'),
          conversation('2026-03-06T15:00:00Z'),
        ],
      });
      expect(checkOf(d, 'regf.after_conversation')?.detail).toBe(
        'a conversation about this debt on 2026-03-08T15:00:00.000Z; allowed from 2026-03-15T04:00:00.000Z',
      );
      expect(iso(d.nextAllowedAt)).toBe('2026-03-15T12:00:00.000Z');
    });

    it('does not apply to texts or emails', () => {
      const attempts = [conversation('2026-03-07T15:00:00Z')];
      expect(ruleIds(run({ channel: 'email', attempts }))).not.toContain('regf.after_conversation');
    });

    it('supports an hour-based cooldown', () => {
      const rules = withRules({
        cooldowns: [
          {
            id: 'test.cool.hours',
            jurisdiction: 'house',
            purposes: ['collection'],
            channels: ['call'],
            hoursAfterConversation: 30,
          },
        ],
      });
      const attempts = [conversation('2026-03-09T12:30:00Z', { debtId: 'D9' })];
      const d = run({ attempts, debtId: 'D9', at: at('2026-03-10T15:00:00Z') }, rules);
      // Seven-day rule blocks too, so look at the hours rule alone.
      expect(checkOf(d, 'test.cool.hours')).toEqual({
        rule: 'test.cool.hours',
        kind: 'house',
        passed: false,
        detail:
          'a conversation about this debt on 2026-03-09T12:30:00.000Z; allowed from 2026-03-10T18:30:00.000Z',
        citation: null,
      });
      const only = { ...EMPTY_RULES, cooldowns: rules.cooldowns.slice(-1) };
      const alone = run({ attempts, debtId: 'D9', at: at('2026-03-10T15:00:00Z') }, only);
      expect(iso(alone.nextAllowedAt)).toBe('2026-03-10T18:30:00.000Z');
      expect(run({ attempts, debtId: 'D9', at: at('2026-03-10T18:30:00Z') }, only).allowed).toBe(
        true,
      );
      expect(
        run({ attempts, debtId: 'D9', at: at('2026-03-10T18:29:59.999Z') }, only).allowed,
      ).toBe(false);
    });
  });

  describe('cease requests (12 CFR 1006.6(c))', () => {
    const cease = (debtId: string | null, when = '2026-03-01T00:00:00Z') => ({
      debtId,
      at: at(when),
    });

    it('refuses a collection call about a debt the consumer asked to stop, for good', () => {
      const d = run({ ceases: [cease('D1')] });
      expect(d.allowed).toBe(false);
      expect(d.nextAllowedAt).toBeNull();
      expect(failedOf(d)).toEqual(['regf.cease_communication']);
      expect(checkOf(d, 'regf.cease_communication')).toEqual({
        rule: 'regf.cease_communication',
        kind: 'law',
        passed: false,
        detail:
          'the consumer asked in writing on 2026-03-01T00:00:00.000Z to stop communications about this debt',
        citation: '12 CFR 1006.6(c)(1)',
      });
      // Also outside hours: still for good.
      expect(
        run({ ceases: [cease('D1')], at: at('2026-03-10T02:00:00Z') }).nextAllowedAt,
      ).toBeNull();
    });

    it('leaves other debts alone', () => {
      const d = run({ debtId: 'D2', ceases: [cease('D1')] });
      expect(d.allowed).toBe(true);
      expect(checkOf(d, 'regf.cease_communication')?.detail).toBe('no cease request');
    });

    it('blocks every debt when the request names none', () => {
      for (const debtId of ['D1', 'D2', null]) {
        const d = run({ debtId, ceases: [cease(null)] });
        expect(d.allowed).toBe(false);
        expect(d.nextAllowedAt).toBeNull();
        expect(checkOf(d, 'regf.cease_communication')?.detail).toBe(
          'the consumer asked in writing on 2026-03-01T00:00:00.000Z to stop communications about every debt',
        );
      }
    });

    it('blocks a contact about no debt in particular when any debt is ceased', () => {
      for (const debtId of [null, undefined]) {
        const d = run({ debtId, ceases: [cease('D2')] });
        expect(failedOf(d)).toEqual(['regf.cease_communication']);
        expect(d.nextAllowedAt).toBeNull();
      }
    });

    it('applies from the instant of the request on', () => {
      expect(run({ ceases: [cease('D1', '2026-03-10T15:00:00.001Z')] }).allowed).toBe(true);
      expect(run({ ceases: [cease('D1', '2026-03-11T00:00:00Z')] }).allowed).toBe(true);
      expect(run({ ceases: [cease('D1', '2026-03-10T15:00:00.000Z')] }).allowed).toBe(false);
    });

    it.each(['termination_notice', 'remedy_notice', 'intended_remedy'] as const)(
      'lets a %s through',
      (ceaseException) => {
        const d = run({ ceases: [cease('D1')], ceaseException });
        expect(d.allowed).toBe(true);
        expect(checkOf(d, 'regf.cease_communication')).toEqual({
          rule: 'regf.cease_communication',
          kind: 'law',
          passed: true,
          detail: `cease request of 2026-03-01T00:00:00.000Z; allowed as a ${ceaseException}`,
          citation: '12 CFR 1006.6(c)(1)',
        });
        // Not for good: outside hours it finds the next legal time.
        const late = run({ ceases: [cease('D1')], ceaseException, at: at('2026-03-11T02:00:00Z') });
        expect(failedOf(late)).toEqual(['regf.hours']);
        expect(iso(late.nextAllowedAt)).toBe('2026-03-11T12:00:00.000Z');
      },
    );

    it('does not check marketing contacts at all', () => {
      const d = run({
        purpose: 'marketing',
        consents: [consent('call', 'marketing')],
        ceases: [cease(null)],
      });
      expect(d.allowed).toBe(true);
      expect(ruleIds(d)).not.toContain('regf.cease_communication');
    });
  });

  describe('consent and do-not-contact', () => {
    it('refuses after a revoked consent for good, and texts without consent', () => {
      const consents = [
        consent('sms', 'collection', true, '2026-01-01T00:00:00Z'),
        consent('sms', 'collection', false, '2026-03-01T00:00:00Z'),
      ];
      for (const list of [consents, [...consents].reverse()]) {
        const d = run({ channel: 'sms', consents: list });
        expect(d.allowed).toBe(false);
        expect(d.nextAllowedAt).toBeNull();
        expect(failedOf(d)).toEqual(['consent.revoked', 'tcpa.consent.sms']);
        expect(d.checks[0]).toEqual({
          rule: 'consent.revoked',
          kind: 'law',
          passed: false,
          detail: 'consent for sms (collection) was revoked 2026-03-01T00:00:00.000Z',
          citation: '47 CFR 64.1200(a)(10); 12 CFR 1006.14(h)',
        });
        expect(checkOf(d, 'tcpa.consent.sms')?.detail).toBe(
          'no current consent for sms (collection)',
        );
      }
      const none = run({ channel: 'sms' });
      expect(failedOf(none)).toEqual(['tcpa.consent.sms']);
      expect(none.nextAllowedAt).toBeNull();
      expect(failed(facts({ toType: 'cell' }))).toEqual(['tcpa.consent.cell']);
    });

    it('honours a consent given again after a revocation', () => {
      const consents = [
        consent('sms', 'collection', false, '2026-02-01T00:00:00Z'),
        consent('sms', 'collection', true, '2026-03-01T00:00:00Z'),
      ];
      for (const list of [consents, [...consents].reverse()]) {
        const d = run({ channel: 'sms', consents: list });
        expect(d.allowed).toBe(true);
        expect(ruleIds(d)).not.toContain('consent.revoked');
      }
    });

    it('revokes for good even a channel that needs no consent', () => {
      const d = run({ consents: [consent('call', 'collection', false, '2026-03-01T00:00:00Z')] });
      expect(failedOf(d)).toEqual(['consent.revoked']);
      expect(d.nextAllowedAt).toBeNull();
      expect(d.checks[0].detail).toBe(
        'consent for call (collection) was revoked 2026-03-01T00:00:00.000Z',
      );
    });

    it('reads consent per channel and purpose, and lets it expire', () => {
      const smsOther = [consent('sms', 'marketing'), consent('call', 'collection')];
      expect(failedOf(run({ channel: 'sms', consents: smsOther }))).toEqual(['tcpa.consent.sms']);
      const until = (iso: string) => [
        consent('sms', 'collection', true, '2026-01-01T00:00:00Z', iso),
      ];
      expect(run({ channel: 'sms', consents: until('2026-03-10T15:00:00.001Z') }).allowed).toBe(
        true,
      );
      const expired = run({ channel: 'sms', consents: until('2026-03-10T15:00:00.000Z') });
      expect(failedOf(expired)).toEqual(['tcpa.consent.sms']);
      expect(expired.nextAllowedAt).toBeNull();
      // A consent that expires before the next legal time: for good once it lapses.
      const lapsing = run({
        channel: 'sms',
        at: at('2026-03-11T02:00:00Z'),
        consents: until('2026-03-11T03:00:00Z'),
      });
      expect(failedOf(lapsing)).toEqual(['regf.hours']);
      expect(lapsing.nextAllowedAt).toBeNull();
    });

    it('asks consent for a collection call to a cell phone only', () => {
      expect(failedOf(run({ toType: 'cell' }))).toEqual(['tcpa.consent.cell']);
      expect(ruleIds(run({ toType: 'work' }))).not.toContain('tcpa.consent.cell');
      const ok = run({ toType: 'cell', consents: [consent('call', 'collection')] });
      expect(ok.allowed).toBe(true);
      expect(checkOf(ok, 'tcpa.consent.cell')?.citation).toBe('47 U.S.C. 227(b)(1)(A)(iii)');
    });

    it('applies a number-specific ban to that number only', () => {
      const banned = run({
        bans: [{ channel: 'call', scope: 'address', reason: 'stop calling me at work' }],
      });
      expect(banned.allowed).toBe(false);
      expect(banned.nextAllowedAt).toBeNull();
      expect(checkOf(banned, 'do_not_contact')).toEqual({
        rule: 'do_not_contact',
        kind: 'law',
        passed: false,
        detail: 'on the do-not-contact list (address: stop calling me at work)',
        citation: '12 CFR 1006.14(h); 47 CFR 64.1200(c)(2), (d)',
      });
      expect(run({ bans: [] }).allowed).toBe(true);
      // A person-wide ban for email does not block calls; one for every channel does.
      expect(run({ bans: [{ channel: 'email', scope: 'person' }] }).allowed).toBe(true);
      const all = run({ bans: [{ channel: null, scope: 'person' }] });
      expect(all.nextAllowedAt).toBeNull();
      expect(checkOf(all, 'do_not_contact')?.detail).toBe('on the do-not-contact list (person)');
    });
  });

  describe('house policy', () => {
    it('marks every check of a house rule as house policy with no citation', () => {
      const d = run({
        attempts: [
          call('2026-03-10T13:00:00Z'),
          call('2026-03-10T11:00:00Z'),
          call('2026-03-09T20:00:00Z'),
        ],
        campaignWindow: { start: '09:00', end: '10:00' },
      });
      const house = d.checks.filter(
        (c) => c.rule.startsWith('house.') || c.rule === 'campaign_window',
      );
      expect(house.map((c) => c.rule)).toEqual([
        'campaign_window',
        'house.call.day',
        'house.call.week',
        'house.call.gap',
      ]);
      for (const c of house) {
        expect(c.kind).toBe('house');
        expect(c.citation).toBeNull();
      }
      for (const c of d.checks.filter((x) => !house.includes(x))) {
        expect(c.kind).toBe('law');
        expect(c.citation).toEqual(expect.any(String));
      }
    });

    it('refuses marketing email without consent as house policy, and calls/texts as law', () => {
      const email = run({ channel: 'email', purpose: 'marketing' });
      expect(email.allowed).toBe(false);
      expect(email.nextAllowedAt).toBeNull();
      expect(failedOf(email)).toEqual(['house.consent.marketing_email']);
      expect(checkOf(email, 'house.consent.marketing_email')).toEqual({
        rule: 'house.consent.marketing_email',
        kind: 'house',
        passed: false,
        detail: 'no current consent for email (marketing)',
        citation: null,
      });
      expect(
        run({ channel: 'email', purpose: 'marketing', consents: [consent('email', 'marketing')] })
          .allowed,
      ).toBe(true);
      const phone = run({ purpose: 'marketing' });
      expect(failedOf(phone)).toEqual(['tcpa.consent.marketing']);
      expect(checkOf(phone, 'tcpa.consent.marketing')).toEqual({
        rule: 'tcpa.consent.marketing',
        kind: 'law',
        passed: false,
        detail: 'no current consent for call (marketing)',
        citation: '47 CFR 64.1200(a)(2), (a)(3)',
      });
      const text = run({
        channel: 'sms',
        purpose: 'marketing',
        consents: [consent('sms', 'marketing', false)],
      });
      expect(failedOf(text)).toEqual([
        'consent.revoked',
        'tcpa.consent.sms',
        'tcpa.consent.marketing',
      ]);
    });

    it('derives the kind from the jurisdiction when a rule does not declare one', () => {
      expect(kindOf({ jurisdiction: 'house' })).toBe('house');
      expect(kindOf({ jurisdiction: 'US' })).toBe('law');
      expect(kindOf({ jurisdiction: 'NY' })).toBe('law');
      expect(kindOf({})).toBe('law');
      expect(kindOf({ kind: 'house', jurisdiction: 'US' })).toBe('house');
      expect(kindOf({ kind: 'law', jurisdiction: 'house' })).toBe('law');
      const rules: RuleSet = {
        ...EMPTY_RULES,
        hours: [
          {
            id: 'test.house.undeclared',
            citation: 'ignored for house policy',
            jurisdiction: 'house',
            purposes: ['collection'],
            channels: ['call'],
            start: '08:00',
            end: '21:00',
          },
          {
            id: 'test.law.uncited',
            jurisdiction: 'US',
            purposes: ['collection'],
            channels: ['call'],
            start: '08:00',
            end: '21:00',
          },
        ],
        consentRequired: [{ id: 'test.consent', channels: ['call'], purposes: ['collection'] }],
      };
      const d = run({ consents: [consent('call', 'collection')] }, rules);
      expect(d.checks.filter((c) => c.rule.startsWith('test.'))).toEqual([
        {
          rule: 'test.consent',
          kind: 'law',
          passed: true,
          detail: 'prior express consent on file',
          citation: null,
        },
        {
          rule: 'test.house.undeclared',
          kind: 'house',
          passed: true,
          detail: 'inside 08:00-21:00 in America/New_York',
          citation: null,
        },
        {
          rule: 'test.law.uncited',
          kind: 'law',
          passed: true,
          detail: 'inside 08:00-21:00 in America/New_York',
          citation: null,
        },
      ]);
    });
  });

  describe('rolling caps and gaps at their exact boundaries', () => {
    // Three calls within the last 24 h; the oldest at 2026-03-09T13:00Z.
    const three = [
      call('2026-03-09T13:00:00Z'),
      call('2026-03-09T17:00:00Z'),
      call('2026-03-09T21:00:00Z'),
    ];

    it('refuses a fourth call within 24 h until the oldest leaves the window', () => {
      const d = run({ attempts: three, at: at('2026-03-10T12:30:00Z') });
      expect(failedOf(d)).toEqual(['house.call.day']);
      expect(checkOf(d, 'house.call.day')?.detail).toBe('3 of at most 3 in 24 h');
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T13:00:00.000Z');
      expect(run({ attempts: three, at: at('2026-03-10T13:00:00.000Z') }).allowed).toBe(true);
      // The window is (at - 24 h, at]: a call exactly 24 h old no longer counts.
      const edge = run({ attempts: three, at: at('2026-03-10T13:00:00Z') });
      expect(edge.allowed).toBe(true);
      expect(checkOf(edge, 'house.call.day')?.detail).toBe('2 of at most 3 in 24 h');
      expect(run({ attempts: three, at: at('2026-03-10T12:59:59.999Z') }).allowed).toBe(false);
      // Two calls are fine.
      expect(run({ attempts: three.slice(1), at: at('2026-03-10T12:30:00Z') }).allowed).toBe(true);
    });

    it('lets a legal window push the cap’s end later', () => {
      // The oldest at 21:30 EDT (the consumer called): it leaves the window at 21:30, after hours.
      const attempts = [
        call('2026-03-10T01:30:00Z', { consumerInitiated: true }),
        call('2026-03-10T12:00:00Z'),
        call('2026-03-10T13:00:00Z'),
      ];
      const d = run({ attempts, at: at('2026-03-10T18:00:00Z') });
      expect(failedOf(d)).toEqual(['house.call.day']);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-11T12:00:00.000Z');
    });

    it('counts a week of calls against the weekly cap', () => {
      // Ten calls over five days, two a day, about different debts.
      const attempts = dates('2026-03-05', 5).flatMap((d, i) => [
        call(`${d}T13:00:00Z`, { debtId: `A${i}` }),
        call(`${d}T18:00:00Z`, { debtId: `B${i}` }),
      ]);
      const d = run({ attempts, at: at('2026-03-10T15:00:00Z') });
      expect(failedOf(d)).toEqual(['house.call.week']);
      expect(checkOf(d, 'house.call.week')?.detail).toBe('10 of at most 10 in 168 h');
      // The oldest (2026-03-05T13:00Z) leaves 168 h later, 09:00 EDT on Mar 12.
      expect(iso(d.nextAllowedAt)).toBe('2026-03-12T13:00:00.000Z');
    });

    it.each([
      ['exactly 4 h', '2026-03-10T15:00:00Z', true, '4.0 h since the last call (min 4 h)'],
      ['3 h 30 min', '2026-03-10T14:30:00Z', false, '3.5 h since the last call (min 4 h)'],
      [
        '3 h 59 min 59.999 s',
        '2026-03-10T14:59:59.999Z',
        false,
        '4.0 h since the last call (min 4 h)',
      ],
      ['4 h 15 min', '2026-03-10T15:15:00Z', true, '4.3 h since the last call (min 4 h)'],
    ])('keeps four hours between calls: %s after the last', (_label, when, allowed, detail) => {
      const attempts = [
        call('2026-03-10T11:00:00Z', { channel: 'sms' }),
        call('2026-03-10T11:00:00Z'),
      ];
      const d = run({ attempts, at: at(when) });
      expect(d.allowed).toBe(allowed);
      expect(failedOf(d)).toEqual(allowed ? [] : ['house.call.gap']);
      expect(checkOf(d, 'house.call.gap')?.detail).toBe(detail);
      expect(iso(d.nextAllowedAt)).toBe(
        allowed ? at(when).toISOString() : '2026-03-10T15:00:00.000Z',
      );
    });

    it('measures the gap from the latest call on the same channel, whatever its purpose', () => {
      const attempts = [
        call('2026-03-10T08:00:00Z'),
        call('2026-03-10T12:00:00Z', { purpose: 'marketing', debtId: 'D2' }),
        call('2026-03-10T14:00:00Z', { channel: 'email' }),
        call('2026-03-10T14:30:00Z', { channel: 'sms' }),
      ];
      const d = run({ attempts, at: at('2026-03-10T15:00:00Z') });
      expect(checkOf(d, 'house.call.gap')?.detail).toBe('3.0 h since the last call (min 4 h)');
      expect(iso(d.nextAllowedAt)).toBe('2026-03-10T16:00:00.000Z');
    });

    it('names calendar-day and per-debt windows in the detail', () => {
      const rules: RuleSet = {
        ...EMPTY_RULES,
        caps: [
          {
            id: 'test.one.day',
            jurisdiction: 'house',
            purposes: ['collection'],
            channels: ['call'],
            max: 1,
            windowDays: 1,
          },
          {
            id: 'test.no.window',
            jurisdiction: 'US',
            citation: 'test',
            purposes: ['collection'],
            channels: ['call'],
            max: 1,
          },
        ],
      };
      const d = run({ attempts: [call('2026-03-10T13:00:00Z')] }, rules);
      expect(d.checks).toEqual([
        expect.objectContaining({ rule: 'do_not_contact' }),
        expect.objectContaining({ rule: 'regf.cease_communication' }),
        {
          rule: 'test.one.day',
          kind: 'house',
          passed: false,
          detail: '1 of at most 1 in 1 calendar day (America/New_York)',
          citation: null,
        },
        {
          rule: 'test.no.window',
          kind: 'law',
          passed: true,
          detail: '0 of at most 1 in 0 h',
          citation: 'test',
        },
      ]);
      // Free at midnight (no hours rule in this set).
      expect(iso(d.nextAllowedAt)).toBe('2026-03-11T04:00:00.000Z');
    });
  });

  describe('effective dates', () => {
    const window: HoursRule = {
      id: 'test.hours',
      kind: 'law',
      citation: 'Test Act 1',
      jurisdiction: 'US',
      purposes: ['collection'],
      channels: ['call'],
      start: '10:30',
      end: '18:15',
    };
    // 09:00 EDT.
    const morning = (day: string) => at(`${day}T13:00:00Z`);

    it.each([
      ['the day before effectiveFrom', { effectiveFrom: '2026-03-12' }, '2026-03-11', false],
      ['effectiveFrom itself', { effectiveFrom: '2026-03-12' }, '2026-03-12', true],
      ['after effectiveFrom', { effectiveFrom: '2026-03-12' }, '2026-03-20', true],
      ['effectiveTo itself', { effectiveTo: '2026-03-12' }, '2026-03-12', true],
      ['the day after effectiveTo', { effectiveTo: '2026-03-12' }, '2026-03-13', false],
      ['before effectiveTo', { effectiveTo: '2026-03-12' }, '2026-03-01', true],
      [
        'inside both',
        { effectiveFrom: '2026-03-01', effectiveTo: '2026-03-31' },
        '2026-03-15',
        true,
      ],
      ['null dates', { effectiveFrom: null, effectiveTo: null }, '2026-03-15', true],
    ])('an hours rule on %s', (_label, dates, day, applies) => {
      const rules = withRules({ hours: [{ ...window, ...dates }] });
      const d = run({ at: morning(day) }, rules);
      expect(d.allowed).toBe(!applies);
      expect(ruleIds(d).includes('test.hours')).toBe(applies);
      if (applies) {
        expect(checkOf(d, 'test.hours')).toEqual({
          rule: 'test.hours',
          kind: 'law',
          passed: false,
          detail: 'outside 10:30-18:15 in America/New_York',
          citation: 'Test Act 1',
        });
        // 10:30 local: EST (UTC-5) before the DST change of 2026-03-08, EDT (UTC-4) after.
        expect(iso(d.nextAllowedAt)).toBe(`${day}T${day < '2026-03-08' ? '15' : '14'}:30:00.000Z`);
      }
    });

    it('finds a time before a rule that starts later, and after one that ends', () => {
      // Evening of Mar 11: the law opens at 08:00 on Mar 12, the new rule (from Mar 12) at 10:30.
      const from = withRules({ hours: [{ ...window, effectiveFrom: '2026-03-12' }] });
      expect(iso(run({ at: at('2026-03-11T23:00:00Z') }, from).nextAllowedAt)).toBe(
        '2026-03-11T23:00:00.000Z',
      );
      expect(iso(run({ at: at('2026-03-12T01:30:00Z') }, from).nextAllowedAt)).toBe(
        '2026-03-12T14:30:00.000Z',
      );
      const to = withRules({ hours: [{ ...window, effectiveTo: '2026-03-12' }] });
      expect(iso(run({ at: at('2026-03-12T23:00:00Z') }, to).nextAllowedAt)).toBe(
        '2026-03-13T12:00:00.000Z',
      );
    });

    it.each([
      [
        'caps',
        {
          caps: [
            {
              id: 'test.cap',
              jurisdiction: 'US',
              purposes: ['collection'],
              channels: ['call'],
              max: 1,
              windowHours: 24,
              effectiveFrom: '2026-03-12',
            },
          ],
        },
      ],
      [
        'gaps',
        {
          gaps: [
            {
              id: 'test.gap',
              jurisdiction: 'US',
              purposes: ['collection'],
              channels: ['call'],
              minGapHours: 12,
              effectiveFrom: '2026-03-12',
            },
          ],
        },
      ],
      [
        'cooldowns',
        {
          cooldowns: [
            {
              id: 'test.cool',
              jurisdiction: 'US',
              purposes: ['collection'],
              channels: ['call'],
              hoursAfterConversation: 12,
              effectiveFrom: '2026-03-12',
            },
          ],
        },
      ],
    ] as [string, Partial<RuleSet>][])('applies effective dates to %s', (_label, extra) => {
      // Without the default cooldowns: the conversation must trip only the rule under test.
      const rules = { ...withRules(extra), cooldowns: extra.cooldowns ?? [] };
      const attempts = (day: string) => [
        call(`${day}T05:00:00Z`, { conversation: true, debtId: 'D7' }),
      ];
      const before = run(
        { attempts: attempts('2026-03-11'), debtId: 'D7', at: morning('2026-03-11') },
        rules,
      );
      expect(before.allowed).toBe(true);
      const on = run(
        { attempts: attempts('2026-03-12'), debtId: 'D7', at: morning('2026-03-12') },
        rules,
      );
      expect(failedOf(on)).toEqual([expect.stringMatching(/^test\./)]);
    });
  });

  describe('the search for the next allowed time', () => {
    const capOnly = (windowHours: number): RuleSet => ({
      ...EMPTY_RULES,
      caps: [
        {
          id: 'test.cap',
          jurisdiction: 'house',
          purposes: ['collection'],
          channels: ['call'],
          max: 1,
          windowHours,
        },
      ],
    });

    it('looks up to 45 days ahead, and no further', () => {
      const when = at('2026-04-01T15:00:00Z');
      // A call of this instant under a 45-day cap: free exactly 45 days later, on the horizon.
      const edge = run({ at: when, attempts: [call('2026-04-01T15:00:00Z')] }, capOnly(45 * 24));
      expect(iso(edge.nextAllowedAt)).toBe('2026-05-16T15:00:00.000Z');
      // An hour more is beyond the horizon.
      const beyond = run(
        { at: when, attempts: [call('2026-04-01T15:00:00Z')] },
        capOnly(45 * 24 + 1),
      );
      expect(beyond.allowed).toBe(false);
      expect(beyond.nextAllowedAt).toBeNull();
    });

    it('walks from obstacle to obstacle until every rule passes', () => {
      // 20:45 EDT, 3 calls in 24 h and the last 3.75 h ago: the cap frees at 13:00:00.001Z
      // (09:00), the consumer's window opens at 10:30 (14:30Z), but a call already booked at
      // 10:00 EDT (14:00Z) needs 4 h after it: 18:00Z.
      const attempts = [
        call('2026-03-10T13:00:00Z'),
        call('2026-03-10T17:00:00Z'),
        call('2026-03-10T21:00:00Z'),
        call('2026-03-11T14:00:00Z', { channel: 'call', purpose: 'marketing' }),
      ];
      const d = run({
        attempts,
        at: at('2026-03-11T00:45:00Z'),
        preferredWindow: { start: '10:30', end: '18:15' },
      });
      expect(failedOf(d)).toEqual(['consumer_preferred_hours', 'house.call.day', 'house.call.gap']);
      expect(iso(d.nextAllowedAt)).toBe('2026-03-11T18:00:00.000Z');
      expect(
        run({ attempts, at: d.nextAllowedAt!, preferredWindow: { start: '10:30', end: '18:15' } })
          .allowed,
      ).toBe(true);
    });
  });
});

describe('contact rules engine: edges found by mutation testing', () => {
  const LA = 'America/Los_Angeles';
  const houseWindow = (start: string, end: string, extra: Partial<HoursRule> = {}): HoursRule => ({
    id: 'test.window',
    kind: 'house',
    jurisdiction: 'house',
    purposes: ['collection'],
    channels: ['call', 'sms'],
    start,
    end,
    ...extra,
  });
  const dayCap: CapRule = {
    id: 'test.day',
    jurisdiction: 'house',
    purposes: ['collection'],
    channels: ['call'],
    max: 1,
    windowDays: 1,
  };
  const only = (extra: Partial<Omit<RuleSet, 'version'>>) => withRules(extra, EMPTY_RULES);

  it('reads effective dates in UTC when no zone is known', () => {
    const dated = (effectiveFrom: string) =>
      only({ hours: [houseWindow('00:00', '23:59', { effectiveFrom })] });
    const noZone = { zones: [], at: at('2026-03-10T15:00:00Z') };
    expect(ruleIds(run(noZone, dated('2026-03-10')))).toContain('test.window');
    expect(ruleIds(run(noZone, dated('2026-03-11')))).not.toContain('test.window');
  });

  it('keeps a rule in force while any candidate zone is still on its last date', () => {
    // 04:30Z on Mar 13 is 00:30 in New York (Mar 13) and 21:30 in Los Angeles (Mar 12).
    const rules = only({ hours: [houseWindow('00:00', '23:59', { effectiveTo: '2026-03-12' })] });
    const when = at('2026-03-13T04:30:00Z');
    expect(ruleIds(run({ zones: [NY, LA], at: when }, rules))).toContain('test.window');
    expect(ruleIds(run({ zones: [NY], at: when }, rules))).not.toContain('test.window');
  });

  it('frees a calendar-day cap and a day cooldown at local midnight, not UTC midnight', () => {
    const capped = run(
      { attempts: [call('2026-03-10T14:00:00Z')], at: at('2026-03-10T15:00:00Z') },
      only({ caps: [dayCap] }),
    );
    expect(iso(capped.nextAllowedAt)).toBe('2026-03-11T04:00:00.000Z');
    const cooled = run(
      {
        attempts: [call('2026-03-10T14:00:00Z', { conversation: true })],
        at: at('2026-03-10T15:00:00Z'),
      },
      only({
        cooldowns: [
          {
            id: 'test.cool',
            jurisdiction: 'house',
            purposes: ['collection'],
            channels: ['call'],
            daysAfterConversation: 1,
          },
        ],
      }),
    );
    expect(iso(cooled.nextAllowedAt)).toBe('2026-03-11T04:00:00.000Z');
  });

  it('counts attempts in time order whatever order they are given in', () => {
    const rules = only({ caps: [{ ...dayCap, windowDays: undefined, windowHours: 24, max: 2 }] });
    const d = run(
      {
        attempts: [call('2026-03-10T14:00:00Z'), call('2026-03-10T10:00:00Z')],
        at: at('2026-03-10T15:00:00Z'),
      },
      rules,
    );
    expect(iso(d.nextAllowedAt)).toBe('2026-03-11T10:00:00.000Z');
  });

  it('names the zone whose calendar day frees last when both count the same', () => {
    const d = run(
      {
        zones: [LA, NY],
        attempts: [call('2026-03-10T18:00:00Z')],
        at: at('2026-03-10T20:00:00Z'),
      },
      only({ caps: [dayCap] }),
    );
    expect(checkOf(d, 'test.day')?.detail).toBe(
      '1 of at most 1 in 1 calendar day (America/Los_Angeles)',
    );
    expect(iso(d.nextAllowedAt)).toBe('2026-03-11T07:00:00.000Z');
  });

  it('counts a conversation and a call at the very instant of the contact', () => {
    const cool = only({
      cooldowns: [
        {
          id: 'test.cool',
          jurisdiction: 'house',
          purposes: ['collection'],
          channels: ['call'],
          hoursAfterConversation: 2,
        },
      ],
    });
    const now = '2026-03-10T15:00:00Z';
    const d = run({ attempts: [call(now, { conversation: true })], at: at(now) }, cool);
    expect(failedOf(d)).toEqual(['test.cool']);
    expect(iso(d.nextAllowedAt)).toBe('2026-03-10T17:00:00.000Z');
    const gap = only({
      gaps: [
        {
          id: 'test.gap',
          jurisdiction: 'house',
          purposes: ['collection'],
          channels: ['call'],
          minGapHours: 4,
        },
      ],
    });
    expect(checkOf(run({ attempts: [call(now)], at: at(now) }, gap), 'test.gap')?.detail).toBe(
      '0.0 h since the last call (min 4 h)',
    );
  });

  it('measures a gap from the latest attempt whatever order they are given in', () => {
    const gap = only({
      gaps: [
        {
          id: 'test.gap',
          jurisdiction: 'house',
          purposes: ['collection'],
          channels: ['call'],
          minGapHours: 4,
        },
      ],
    });
    const d = run(
      {
        attempts: [call('2026-03-10T14:00:00Z'), call('2026-03-10T12:00:00Z')],
        at: at('2026-03-10T15:00:00Z'),
      },
      gap,
    );
    expect(checkOf(d, 'test.gap')?.detail).toBe('1.0 h since the last call (min 4 h)');
    expect(iso(d.nextAllowedAt)).toBe('2026-03-10T18:00:00.000Z');
  });

  it('does not wait for a cap or cooldown that does not apply to this contact', () => {
    // 18:00 EDT, outside a 09:00-17:00 window: the answer is 09:00 EDT the next day.
    const when = at('2026-03-10T22:00:00Z');
    const nine = '2026-03-11T13:00:00.000Z';
    const cellCap = only({
      hours: [houseWindow('09:00', '17:00')],
      caps: [{ ...dayCap, windowDays: undefined, windowHours: 24, toTypes: ['cell'] }],
    });
    const cellCall = call('2026-03-10T20:00:00Z', { toType: 'cell' });
    expect(
      iso(run({ toType: 'home', attempts: [cellCall], at: when }, cellCap).nextAllowedAt),
    ).toBe(nine);
    const callCooldown = only({
      hours: [houseWindow('09:00', '17:00')],
      cooldowns: [
        {
          id: 'test.cool',
          jurisdiction: 'house',
          purposes: ['collection'],
          channels: ['call'],
          hoursAfterConversation: 48,
        },
      ],
    });
    const talk = call('2026-03-10T20:00:00Z', { conversation: true });
    expect(
      iso(run({ channel: 'sms', attempts: [talk], at: when }, callCooldown).nextAllowedAt),
    ).toBe(nine);
  });
});

describe('batch evaluator', () => {
  // Each differs from the base facts in one field the engine reads, and is decided differently.
  const variants: [string, Partial<ContactFacts>][] = [
    ['base', {}],
    ['instant (22:00 in New York)', { at: at('2026-03-11T02:00:00Z') }],
    ['zones (Honolulu: 05:00)', { zones: ['Pacific/Honolulu'] }],
    ['channel', { channel: 'sms' }],
    ['purpose', { purpose: 'marketing' }],
    ['number type (a cell needs consent)', { toType: 'cell' }],
    ['state (Florida: 8 am to 8 pm)', { state: 'FL', at: at('2026-03-11T00:30:00Z') }],
    ['base at 20:30', { at: at('2026-03-11T00:30:00Z') }],
    ['zip state', { zipState: 'FL', at: at('2026-03-11T00:30:00Z') }],
    ['phone state', { phoneState: 'FL', at: at('2026-03-11T00:30:00Z') }],
    ['preferred window', { preferredWindow: { start: '17:00', end: '19:00' } }],
    ['campaign window', { campaignWindow: { start: '12:00', end: '13:00' } }],
  ];

  it('decides each history-free variant as evaluate does, remembering none for another', () => {
    const decide = batchEvaluator(DEFAULT_RULES);
    const seen = new Set<string>();
    for (const round of [1, 2])
      for (const [name, over] of variants) {
        const f = facts(over);
        const d = decide(f);
        expect({ name, round, d }).toEqual({ name, round, d: evaluate(f, DEFAULT_RULES) });
        seen.add(JSON.stringify([d.allowed, failedOf(d), iso(d.nextAllowedAt)]));
      }
    // The variants are told apart by the engine (else the test would not show a key missing one).
    expect(seen.size).toBeGreaterThanOrEqual(8);
  });

  it('shares one decision among equal history-free facts, and decides facts with history each time', () => {
    const decide = batchEvaluator(DEFAULT_RULES);
    expect(decide(facts())).toBe(decide(facts()));
    const withCall = facts({
      attempts: [
        {
          channel: 'call',
          purpose: 'collection',
          at: at('2026-03-10T14:00:00Z'),
          debtId: 'D1',
          consumerInitiated: false,
          conversation: false,
          withConsent: false,
          toType: 'home',
        },
      ],
    });
    expect(decide(withCall)).toEqual(evaluate(withCall, DEFAULT_RULES));
    expect(decide(withCall)).not.toBe(decide(withCall));
    expect(decide(withCall).allowed).not.toBe(decide(facts()).allowed);
  });
});
