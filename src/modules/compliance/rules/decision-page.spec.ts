import fc from 'fast-check';
import { propertyRuns } from '../../../../test/utils/property-runs';
import { decodeMember, encodePage, encodePages, ENTRY_FIELDS } from './decision-page';
import type { PageMember } from './decision-page';
import { DEFAULT_RULES } from './default-rules';
import { evaluate } from './engine';
import type { ContactFacts } from './types';

const AT = new Date('2026-03-10T17:00:00.000Z');
const localTime = (at: Date, zone: string) => `${zone}@${at.toISOString()}`;

/** What the engine may see of a fact, with "absent" and null the same (both forms keep neither). */
function normal(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v === null ? undefined : v)));
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const when = fc
  .integer({ min: -400, max: 400 })
  .map((days) => new Date(AT.getTime() + days * 86_400_000));
const channel = fc.constantFrom('call' as const, 'sms' as const, 'email' as const);
const purpose = fc.constantFrom('collection' as const, 'marketing' as const);
const flag = maybe(fc.boolean());

const factsArb: fc.Arbitrary<ContactFacts> = fc.record({
  channel: fc.constant('call' as const),
  purpose: fc.constant('collection' as const),
  at: fc.constantFrom(AT, new Date(AT.getTime() + 60_000)),
  zones: fc.subarray(
    ['America/New_York', 'America/Chicago', 'America/Denver', 'Pacific/Honolulu'],
    {
      minLength: 1,
    },
  ),
  state: fc.option(fc.constantFrom('NY', 'TX', 'MA', 'CA')),
  zipState: maybe(fc.option(fc.constantFrom('NJ', 'OK'))),
  phoneState: maybe(fc.option(fc.constantFrom('FL', 'WA'))),
  toType: fc.constantFrom('home' as const, 'cell' as const, 'work' as const, 'unknown' as const),
  debtId: maybe(fc.option(text)),
  consents: fc.array(
    fc.record({
      id: maybe(fc.uuid()),
      evidenceHash: maybe(
        fc.option(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
        ),
      ),
      channel,
      purpose,
      granted: fc.boolean(),
      at: when,
      expiresAt: maybe(fc.option(when)),
    }),
    { maxLength: 3 },
  ),
  bans: fc.array(
    fc.record({
      id: maybe(fc.uuid()),
      channel: fc.option(channel),
      scope: fc.constantFrom('person' as const, 'address' as const),
      reason: maybe(text),
    }),
    { maxLength: 2 },
  ),
  attempts: fc.array(
    fc.record({
      id: maybe(fc.uuid()),
      channel,
      purpose,
      at: when,
      debtId: maybe(fc.option(text)),
      consumerInitiated: flag,
      conversation: flag,
      withConsent: flag,
      toType: maybe(fc.constantFrom('home' as const, 'cell' as const)),
    }),
    { maxLength: 4 },
  ),
  ceases: maybe(fc.array(fc.record({ debtId: fc.option(text), at: when }), { maxLength: 2 })),
  ceaseException: maybe(
    fc.option(fc.constantFrom('termination_notice' as const, 'remedy_notice' as const)),
  ),
  preferredWindow: maybe(
    fc.option(fc.record({ start: fc.constant('10:00'), end: fc.constant('18:30') })),
  ),
  campaignWindow: fc.constant({ start: '08:00', end: '21:00' }),
});

const member = (customerId: string, facts: ContactFacts): PageMember => {
  const decision = evaluate(facts, DEFAULT_RULES);
  return {
    customerId,
    taskId: decision.allowed ? `task of ${customerId}` : null,
    facts,
    allowed: decision.allowed,
    checks: decision.checks,
  };
};

describe('decision pages', () => {
  it("give each member back: the facts the engine took (less a ban's reason), the outcome of each check, the task", () => {
    fc.assert(
      fc.property(fc.array(factsArb, { minLength: 1, maxLength: 6 }), (all) => {
        const members = all.map((f, i) => member(`c-${i}"\\\u2028`, { ...f, at: all[0].at }));
        const { page, body } = encodePage(members, localTime);
        expect(page.entry).toEqual(ENTRY_FIELDS);
        for (const m of members) {
          const back = decodeMember(page, body, m.customerId)!;
          expect(back.taskId).toBe(m.taskId);
          expect(back.allowed).toBe(m.allowed);
          expect(back.outcomes).toEqual(
            m.checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`),
          );
          const { bans, ...rest } = m.facts;
          expect(normal(back.facts)).toEqual(
            normal({
              ...rest,
              bans: bans.map(({ reason: _reason, ...b }) => b),
              ceases: m.facts.ceases ?? [],
            }),
          );
          const again = evaluate(back.facts, DEFAULT_RULES);
          expect(again.allowed).toBe(m.allowed);
          expect(again.checks.map((c) => [c.rule, c.passed])).toEqual(
            m.checks.map((c) => [c.rule, c.passed]),
          );
          for (const zone of m.facts.zones)
            expect(page.localTimes[zone]).toBe(localTime(all[0].at, zone));
        }
        expect(decodeMember(page, body, 'nobody')).toBeNull();
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it('keep each zone set and outcome set once, and no free text of a ban', () => {
    const facts = (n: number): ContactFacts => ({
      channel: 'call',
      purpose: 'collection',
      at: AT,
      zones: n % 2 ? ['America/New_York'] : ['America/Chicago'],
      state: 'NY',
      toType: 'home',
      consents: [],
      bans: n % 3 ? [] : [{ id: `b${n}`, channel: null, scope: 'person', reason: 'SECRET words' }],
      attempts: [],
    });
    const { page, body } = encodePage(
      Array.from({ length: 300 }, (_, n) => member(`c${n}`, facts(n))),
      localTime,
    );
    expect(page.zoneSets).toHaveLength(2);
    expect(page.outcomeSets.length).toBeLessThanOrEqual(4);
    expect(body.toString('utf8')).not.toContain('SECRET');
    expect(() => JSON.parse(body.toString('utf8')) as unknown).not.toThrow();
  });

  it('split a page by members and by bytes, every member in exactly one part', () => {
    const members = Array.from({ length: 7 }, (_, n) =>
      member(`c${n}`, {
        channel: 'call',
        purpose: 'collection',
        at: AT,
        zones: ['America/New_York'],
        state: 'NY',
        toType: 'home',
        consents: [],
        bans: [],
        attempts: Array.from({ length: n * 20 }, (_, i) => ({
          id: `a${n}-${i}`,
          channel: 'call' as const,
          purpose: 'collection' as const,
          at: new Date(AT.getTime() - 86_400_000 * 30),
        })),
      }),
    );
    expect(encodePages(members, localTime, { entries: 3, bytes: 1e9 }).map((p) => p.count)).toEqual(
      [3, 3, 1],
    );
    const parts = encodePages(members, localTime, { entries: 100, bytes: 4_000 });
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(7);
    // A part is over the limit only when it is a single member.
    for (const p of parts) if (p.body.length > 4_000) expect(p.count).toBe(1);
    for (const m of members)
      expect(parts.filter((p) => decodeMember(p.page, p.body, m.customerId) !== null)).toHaveLength(
        1,
      );
  });

  it('refuse members of another channel, purpose or campaign window', () => {
    const a = member('a', {
      channel: 'call',
      purpose: 'collection',
      at: AT,
      zones: ['America/New_York'],
      state: 'NY',
      toType: 'home',
      consents: [],
      bans: [],
      attempts: [],
    });
    expect(() =>
      encodePage([a, { ...a, facts: { ...a.facts, channel: 'sms' } }], localTime),
    ).toThrow(/one channel/);
    expect(() =>
      encodePage(
        [a, { ...a, facts: { ...a.facts, campaignWindow: { start: '09:00', end: '20:00' } } }],
        localTime,
      ),
    ).toThrow(/campaign window/);
  });
});

describe('decision pages, in detail', () => {
  const plain = (zones: string[], extra: Partial<ContactFacts> = {}): ContactFacts => ({
    channel: 'call',
    purpose: 'collection',
    at: AT,
    zones,
    state: 'NY',
    toType: 'home',
    consents: [],
    bans: [],
    attempts: [],
    campaignWindow: { start: '08:00', end: '21:00' },
    ...extra,
  });

  it("keeps the page tables exactly: each zone set and outcome set once, each zone's local time computed once", () => {
    const calls: string[] = [];
    const counted = (at: Date, zone: string) => {
      calls.push(zone);
      return localTime(at, zone);
    };
    const members = [
      member('a', plain(['America/New_York'])),
      member('b', plain(['America/New_York', 'America/Chicago'])),
      member('c', plain(['America/New_York'])),
      // Zone names whose concatenation would collide without a separator.
      member('d', plain(['Etc/A', 'B'])),
      member('e', plain(['Etc/AB'])),
    ];
    const { page } = encodePage(members, counted);
    expect(page.zoneSets).toEqual([
      ['America/New_York'],
      ['America/New_York', 'America/Chicago'],
      ['Etc/A', 'B'],
      ['Etc/AB'],
    ]);
    expect(calls.sort()).toEqual(['America/Chicago', 'America/New_York', 'B', 'Etc/A', 'Etc/AB']);
    const distinct = [
      ...new Set(
        members.map((m) =>
          JSON.stringify(m.checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`)),
        ),
      ),
    ].map((j) => JSON.parse(j) as string[]);
    expect(distinct.length).toBeGreaterThan(1);
    expect(page.outcomeSets).toEqual(distinct);
  });

  it('keeps a member decided at another instant with that instant', () => {
    const later = new Date(AT.getTime() + 90_000);
    const { page, body } = encodePage(
      [
        member('a', plain(['America/New_York'])),
        member('b', plain(['America/New_York'], { at: later })),
      ],
      localTime,
    );
    expect(decodeMember(page, body, 'a')!.facts.at).toEqual(AT);
    expect(decodeMember(page, body, 'b')!.facts.at).toEqual(later);
    expect((JSON.parse(body.toString('utf8')) as unknown[][]).map((e) => e[16])).toEqual([
      null,
      later.getTime(),
    ]);
  });

  it('refuses a page of another format, and members of another purpose or window', () => {
    const a = member('a', plain(['America/New_York']));
    const { page, body } = encodePage([a], localTime);
    expect(() =>
      decodeMember({ ...page, format: 'launch-page/0' as typeof page.format }, body, 'a'),
    ).toThrow(/unknown decision page format launch-page\/0/);
    const other = (f: Partial<ContactFacts>) => ({ ...a, facts: { ...a.facts, ...f } });
    expect(() => encodePage([a, other({ purpose: 'marketing' })], localTime)).toThrow();
    expect(() =>
      encodePage([a, other({ campaignWindow: { start: '09:00', end: '21:00' } })], localTime),
    ).toThrow();
    expect(() =>
      encodePage([a, other({ campaignWindow: { start: '08:00', end: '20:00' } })], localTime),
    ).toThrow();
  });

  it('splits by members without an empty part, and keeps a part exactly at the byte limit whole', () => {
    const members = Array.from({ length: 6 }, (_, i) =>
      member(`m${i}`, plain(['America/New_York'])),
    );
    expect(encodePages(members, localTime, { entries: 3, bytes: 1e9 }).map((p) => p.count)).toEqual(
      [3, 3],
    );
    const whole = encodePage(members.slice(0, 2), localTime).body.length;
    expect(
      encodePages(members.slice(0, 2), localTime, { entries: 10, bytes: whole }).map(
        (p) => p.count,
      ),
    ).toEqual([2]);
    expect(
      encodePages(members.slice(0, 2), localTime, { entries: 10, bytes: whole - 1 }).map(
        (p) => p.count,
      ),
    ).toEqual([1, 1]);
  });
});
