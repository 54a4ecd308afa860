import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DEFAULT_RULES } from './default-rules';
import { evaluate } from './engine';
import { classifyInbound } from './opt-out';
import type { AttemptFact, ContactFacts } from './types';
import { candidateZones, STATE_ZONES } from './zones';

const at = (iso: string) => new Date(iso);
const DAY = 24 * 3600 * 1000;

/** A collection call to a New York home phone on Tuesday 2026-03-10, 11:00 EDT. */
function facts(over: Partial<ContactFacts> = {}): ContactFacts {
  return {
    channel: 'call',
    purpose: 'collection',
    at: at('2026-03-10T15:00:00Z'),
    zones: ['America/New_York'],
    state: 'NY',
    toType: 'home',
    debtId: 'D1',
    consents: [],
    bans: [],
    attempts: [],
    ...over,
  };
}

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

const failed = (f: ContactFacts) =>
  evaluate(f, DEFAULT_RULES)
    .checks.filter((c) => !c.passed)
    .map((c) => c.rule);

describe('contact rules engine', () => {
  it.each([
    ['a weekday call at 11:00 local', facts(), true, '2026-03-10T15:00:00.000Z'],
    ['07:59 local', facts({ at: at('2026-03-10T11:59:00Z') }), false, '2026-03-10T12:00:00.000Z'],
    ['21:00 local', facts({ at: at('2026-03-11T01:00:00Z') }), false, '2026-03-11T12:00:00.000Z'],
    // DST starts 2026-03-08 02:00: 08:30 EDT is 12:30Z, 07:30 EDT is 11:30Z.
    [
      'DST start day, 08:30 EDT',
      facts({ at: at('2026-03-08T12:30:00Z') }),
      true,
      '2026-03-08T12:30:00.000Z',
    ],
    [
      'DST start day, 07:30 EDT',
      facts({ at: at('2026-03-08T11:30:00Z') }),
      false,
      '2026-03-08T12:00:00.000Z',
    ],
    // DST ends 2026-11-01 02:00: 12:30Z is 07:30 EST; 08:00 EST is 13:00Z.
    [
      'DST end day, 07:30 EST',
      facts({ at: at('2026-11-01T12:30:00Z') }),
      false,
      '2026-11-01T13:00:00.000Z',
    ],
    [
      'DST end day, 20:59 EST',
      facts({ at: at('2026-11-02T01:59:00Z') }),
      true,
      '2026-11-02T01:59:00.000Z',
    ],
  ])('quiet hours: %s', (_label, f, allowed, next) => {
    const d = evaluate(f, DEFAULT_RULES);
    expect(d.allowed).toBe(allowed);
    expect(d.nextAllowedAt?.toISOString()).toBe(next);
    if (!allowed) expect(failed(f)).toContain('regf.hours');
  });

  it('derives both zones for an area code whose state spans two, and needs both legal', () => {
    const zones = candidateZones({ phone: '+18505550101', state: null, zip: null, timezone: null });
    expect(zones.sort()).toEqual(['America/Chicago', 'America/New_York']);
    // 08:30 EDT but 07:30 CDT.
    const d = evaluate(
      facts({ zones, state: 'FL', at: at('2026-03-10T12:30:00Z') }),
      DEFAULT_RULES,
    );
    expect(d.allowed).toBe(false);
    expect(d.checks.find((c) => c.rule === 'regf.hours')?.detail).toContain('America/Chicago');
    expect(d.nextAllowedAt?.toISOString()).toBe('2026-03-10T13:00:00.000Z');
  });

  it('needs the time legal for the phone’s zone and the address’s zone when they differ', () => {
    const zones = candidateZones({
      phone: '+12125550101',
      state: 'CA',
      zip: '94105',
      timezone: null,
    });
    expect(zones.sort()).toEqual(['America/Los_Angeles', 'America/New_York']);
    expect(
      evaluate(facts({ zones, state: 'CA', at: at('2026-03-10T15:30:00Z') }), DEFAULT_RULES)
        .allowed,
    ).toBe(true);
    const early = evaluate(
      facts({ zones, state: 'CA', at: at('2026-03-10T14:30:00Z') }),
      DEFAULT_RULES,
    );
    expect(early.allowed).toBe(false);
    expect(early.nextAllowedAt?.toISOString()).toBe('2026-03-10T15:00:00.000Z');
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
      candidateZones({
        timezone: 'America/New_York',
        phone: '+13105550101',
        zip: null,
        state: null,
      }).sort(),
    ).toEqual(['America/Los_Angeles', 'America/New_York']);
    expect(candidateZones({})).toEqual([]);
    expect(failed(facts({ zones: [] }))).toContain('quiet_hours.zone');
  });

  it('refuses a Florida marketing call at 20:30 local (FTSA 8-20) though TCPA allows it until 21', () => {
    const consents = [
      {
        channel: 'call' as const,
        purpose: 'marketing' as const,
        granted: true,
        at: at('2026-01-01T00:00:00Z'),
      },
    ];
    const f = facts({
      purpose: 'marketing',
      state: 'FL',
      at: at('2026-03-11T00:30:00Z'),
      consents,
    });
    const d = evaluate(f, DEFAULT_RULES);
    expect(d.allowed).toBe(false);
    expect(failed(f)).toEqual(['fl.ftsa.hours']);
    expect(evaluate({ ...f, state: 'NY' }, DEFAULT_RULES).allowed).toBe(true);
  });

  it('refuses a fourth Florida marketing call in 24 hours', () => {
    const consents = [
      {
        channel: 'call' as const,
        purpose: 'marketing' as const,
        granted: true,
        at: at('2026-01-01T00:00:00Z'),
      },
    ];
    const attempts = calls(3, at('2026-03-09T20:00:00Z'), 5, { purpose: 'marketing' });
    const f = facts({
      purpose: 'marketing',
      state: 'FL',
      consents,
      attempts,
      at: at('2026-03-10T15:00:00Z'),
    });
    expect(failed(f)).toContain('fl.ftsa.3in24');
  });

  it('refuses the eighth collection call about a debt within 7 days (Reg F 7-in-7)', () => {
    const first = at('2026-03-03T16:00:00Z');
    const f = facts({ attempts: calls(7, first, 24), at: at('2026-03-10T15:00:00Z') });
    const d = evaluate(f, DEFAULT_RULES);
    expect(failed(f)).toEqual(['regf.7in7']);
    // Free again when the oldest of the seven leaves the window.
    expect(d.nextAllowedAt!.getTime()).toBeGreaterThan(first.getTime() + 7 * DAY);
    expect(d.nextAllowedAt!.getTime()).toBeLessThan(first.getTime() + 7 * DAY + 60_000);
    // Calls about another debt, and calls the consumer made, do not count.
    expect(
      evaluate(facts({ attempts: calls(7, first, 24, { debtId: 'D2' }) }), DEFAULT_RULES).allowed,
    ).toBe(true);
    expect(
      evaluate(facts({ attempts: calls(7, first, 24, { consumerInitiated: true }) }), DEFAULT_RULES)
        .allowed,
    ).toBe(true);
  });

  it('refuses a call three days after a conversation about the debt, until seven days have passed', () => {
    const conversation = at('2026-03-07T15:00:00Z');
    const f = facts({
      attempts: [
        {
          channel: 'call',
          purpose: 'collection',
          debtId: 'D1',
          at: conversation,
          conversation: true,
        },
      ],
    });
    const d = evaluate(f, DEFAULT_RULES);
    expect(failed(f)).toEqual(['regf.after_conversation']);
    expect(d.nextAllowedAt?.toISOString()).toBe('2026-03-14T15:00:00.000Z');
  });

  it('refuses a third collection text to a Massachusetts consumer within 7 days', () => {
    const consents = [
      {
        channel: 'sms' as const,
        purpose: 'collection' as const,
        granted: true,
        at: at('2026-01-01T00:00:00Z'),
      },
    ];
    const texts: AttemptFact[] = [at('2026-03-05T15:00:00Z'), at('2026-03-07T15:00:00Z')].map(
      (t) => ({ channel: 'sms', purpose: 'collection', debtId: 'D1', at: t, toType: 'cell' }),
    );
    const f = facts({ channel: 'sms', state: 'MA', toType: 'cell', consents, attempts: texts });
    expect(failed(f)).toEqual(['ma.collector.home_cell']);
    expect(evaluate({ ...f, state: 'NY' }, DEFAULT_RULES).allowed).toBe(true);
    // A work number has its own cap: 2 in 30 days.
    const work = facts({
      state: 'MA',
      toType: 'work',
      attempts: calls(2, at('2026-02-20T15:00:00Z'), 72, { toType: 'work' }),
    });
    expect(failed(work)).toEqual(['ma.collector.other']);
  });

  it('refuses after a revoked consent for good, and texts without consent', () => {
    const consents = [
      {
        channel: 'sms' as const,
        purpose: 'collection' as const,
        granted: true,
        at: at('2026-01-01T00:00:00Z'),
      },
      {
        channel: 'sms' as const,
        purpose: 'collection' as const,
        granted: false,
        at: at('2026-03-01T00:00:00Z'),
      },
    ];
    const d = evaluate(facts({ channel: 'sms', consents }), DEFAULT_RULES);
    expect(d.allowed).toBe(false);
    expect(d.nextAllowedAt).toBeNull();
    expect(d.checks.map((c) => c.rule)).toContain('consent.revoked');
    expect(failed(facts({ channel: 'sms' }))).toEqual(['tcpa.consent.sms']);
    expect(failed(facts({ toType: 'cell' }))).toEqual(['tcpa.consent.cell']);
  });

  it('applies a number-specific ban to that number only', () => {
    const banned = facts({
      bans: [{ channel: 'call', scope: 'address', reason: 'stop calling me at work' }],
    });
    const d = evaluate(banned, DEFAULT_RULES);
    expect(d.allowed).toBe(false);
    expect(d.nextAllowedAt).toBeNull();
    // The other number has no matching ban in its facts: allowed.
    expect(evaluate(facts({ bans: [] }), DEFAULT_RULES).allowed).toBe(true);
    // A person-wide ban for email does not block calls.
    expect(
      evaluate(facts({ bans: [{ channel: 'email', scope: 'person' }] }), DEFAULT_RULES).allowed,
    ).toBe(true);
  });

  it('honours the consumer’s own window', () => {
    const f = facts({
      at: at('2026-03-10T13:30:00Z'),
      preferredWindow: { start: '10:00', end: '18:00' },
    });
    const d = evaluate(f, DEFAULT_RULES);
    expect(failed(f)).toEqual(['consumer_preferred_hours']);
    expect(d.nextAllowedAt?.toISOString()).toBe('2026-03-10T14:00:00.000Z');
  });

  it.each([
    ['STOP', 'opt_out'],
    ['stop.', 'opt_out'],
    ['  Stop!!! ', 'opt_out'],
    ['UnSubscribe', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['cancel', 'opt_out'],
    ['End.', 'opt_out'],
    ['quit', 'opt_out'],
    ['Revoke', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['opt-out', 'opt_out'],
    ['please stop texting me', 'opt_out'],
    ["Don't contact me again", 'opt_out'],
    ['wrong number', 'opt_out'],
    ['START', 'opt_in'],
    ['unstop', 'opt_in'],
    ['Yes', 'opt_in'],
    ['HELP', 'help'],
    ['info?', 'help'],
    ['can you help me pay this', 'none'],
    ['I will pay on Friday', 'none'],
  ])('reads the inbound text %j as %s', (body, intent) => {
    expect(classifyInbound(body)).toBe(intent);
  });

  it('never allows a contact outside 08:00-21:00 in any candidate zone (property)', () => {
    const zonePool = [...new Set(Object.values(STATE_ZONES).flat())];
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2025-01-01T00:00:00Z'),
          max: new Date('2028-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.uniqueArray(fc.constantFrom(...zonePool), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('call' as const, 'email' as const),
        (instant, zones, channel) => {
          const d = evaluate(facts({ at: instant, zones, channel }), DEFAULT_RULES);
          for (const zone of zones) {
            const local = DateTime.fromJSDate(instant, { zone });
            const minutes = local.hour * 60 + local.minute;
            if (d.allowed) expect(minutes >= 8 * 60 && minutes < 21 * 60).toBe(true);
          }
          if (!d.allowed && d.nextAllowedAt) {
            // And the suggested time is itself legal everywhere.
            expect(
              evaluate(facts({ at: d.nextAllowedAt, zones, channel }), DEFAULT_RULES).allowed,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
