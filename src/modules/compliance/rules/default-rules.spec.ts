import { DEFAULT_RULES } from './default-rules';
import { kindOf } from './engine';
import type {
  CapRule,
  ConsentRequirement,
  CooldownRule,
  GapRule,
  HoursRule,
  RuleSet,
} from './types';

/**
 * The shipped rule set: its identity (every rule's id, kind, jurisdiction, residence evidence and
 * citation) is pinned by a snapshot, the key citations are stated outright, and the invariants
 * every rule must keep are checked rule by rule.
 */

type ListName = Exclude<keyof RuleSet, 'version'>;
type AnyRule = HoursRule | CapRule | GapRule | CooldownRule | ConsentRequirement;

const LISTS: ListName[] = ['hours', 'caps', 'gaps', 'cooldowns', 'consentRequired'];

const entries: { list: ListName; rule: AnyRule }[] = LISTS.flatMap((list) =>
  DEFAULT_RULES[list].map((rule: AnyRule) => ({ list, rule })),
);

const jurisdictionOf = (rule: AnyRule): string | null =>
  'jurisdiction' in rule ? rule.jurisdiction : null;
const residenceOf = (rule: AnyRule) => ('residence' in rule ? rule.residence : undefined);

function find<L extends ListName>(list: L, id: string): RuleSet[L][number] {
  const rule = (DEFAULT_RULES[list] as RuleSet[L][number][]).find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in ${list}`);
  return rule;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

describe('DEFAULT_RULES', () => {
  it('keeps its identity: every rule with its kind, jurisdiction, residence and citation', () => {
    // One line per rule, so a changed citation shows as one changed line in the snapshot diff.
    const identity = entries.map(({ list, rule }) =>
      JSON.stringify({
        list,
        id: rule.id,
        kind: rule.kind ?? null,
        jurisdiction: jurisdictionOf(rule),
        residence: residenceOf(rule) ?? null,
        citation: rule.citation ?? null,
      }),
    );
    expect({ version: DEFAULT_RULES.version, rules: identity }).toMatchSnapshot();
  });

  describe('key citations', () => {
    it("Florida's telephone solicitation hours and 3-in-24 cap, by address, ZIP or area code", () => {
      const hours = find('hours', 'fl.hours');
      const cap = find('caps', 'fl.3in24');
      expect(hours.citation).toBe('Fla. Stat. 501.616(6)(a)');
      expect(cap.citation).toBe('Fla. Stat. 501.616(6)(b)');
      for (const rule of [hours, cap]) {
        expect(rule.jurisdiction).toBe('FL');
        expect(rule.residence).toContain('area_code');
      }
    });

    it("Oklahoma's OTSA hours and 3-in-24 cap, by address, ZIP or area code", () => {
      for (const rule of [find('hours', 'ok.otsa.hours'), find('caps', 'ok.otsa.3in24')]) {
        expect(rule.citation).toBe('Okla. Stat. tit. 15, 775C.4');
        expect(rule.jurisdiction).toBe('OK');
        expect(rule.residence).toContain('area_code');
      }
    });

    it('Maryland and Massachusetts rules do not presume residence from the area code', () => {
      const stateRules = entries.filter(({ rule }) =>
        ['MD', 'MA'].includes(jurisdictionOf(rule) ?? ''),
      );
      expect(stateRules.map(({ rule }) => rule.id).sort()).toEqual([
        'ma.collector.home_cell',
        'ma.collector.other',
        'md.stopact.3in24',
        'md.stopact.hours',
      ]);
      for (const { rule } of stateRules)
        expect(residenceOf(rule) ?? ['address', 'zip']).not.toContain('area_code');
    });

    it("Reg F's 7-in-7 over seven calendar days and the 7-day cooldown after a conversation", () => {
      const cap = find('caps', 'regf.7in7');
      expect(cap).toMatchObject({
        citation: '12 CFR 1006.14(b)(2)(i)(A)',
        max: 7,
        windowDays: 7,
        perDebt: true,
      });
      expect(cap.windowHours).toBeUndefined();
      const cooldown = find('cooldowns', 'regf.after_conversation');
      expect(cooldown).toMatchObject({
        citation: '12 CFR 1006.14(b)(2)(i)(B)',
        daysAfterConversation: 7,
      });
      expect(cooldown.hoursAfterConversation).toBeUndefined();
    });
  });

  describe('invariants', () => {
    it('has a YYYY-MM-DD version and rule ids unique across every list', () => {
      expect(DEFAULT_RULES.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const ids = entries.map(({ rule }) => rule.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each(entries.map((e) => [`${e.list} ${e.rule.id}`, e] as const))(
      '%s: house policy has no citation, law has one',
      (_name, { rule }) => {
        const jurisdiction = jurisdictionOf(rule);
        const kind = kindOf(rule);
        expect(['law', 'house']).toContain(kind);
        if (jurisdiction === 'house') expect(kind).toBe('house');
        if (kind === 'house') expect(rule.citation).toBeUndefined();
        else expect(rule.citation?.trim()).toMatch(/\S/);
      },
    );

    it.each(DEFAULT_RULES.hours.map((r) => [r.id, r] as const))(
      'hours %s: HH:MM start before end',
      (_id, rule) => {
        expect(rule.start).toMatch(HHMM);
        expect(rule.end).toMatch(HHMM);
        expect(minutes(rule.start)).toBeLessThan(minutes(rule.end));
      },
    );

    it.each(DEFAULT_RULES.caps.map((r) => [r.id, r] as const))(
      'cap %s: exactly one of windowHours and windowDays, a positive maximum',
      (_id, rule) => {
        expect([rule.windowHours, rule.windowDays].filter((w) => w !== undefined)).toHaveLength(1);
        const window = rule.windowHours ?? rule.windowDays ?? 0;
        expect(Number.isInteger(window) && window > 0).toBe(true);
        expect(Number.isInteger(rule.max) && rule.max > 0).toBe(true);
      },
    );

    it('every rule names at least one purpose and channel', () => {
      for (const { rule } of entries) {
        expect(rule.purposes.length).toBeGreaterThan(0);
        expect(rule.channels.length).toBeGreaterThan(0);
      }
    });

    it('effective dates, where given, are real YYYY-MM-DD dates in order', () => {
      for (const { rule } of entries) {
        if (!('jurisdiction' in rule)) continue;
        const dates = [rule.effectiveFrom, rule.effectiveTo].filter(
          (d): d is string => typeof d === 'string',
        );
        for (const d of dates) {
          expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          const parsed = Date.parse(`${d}T00:00:00Z`);
          expect(Number.isNaN(parsed)).toBe(false);
          expect(new Date(parsed).toISOString().slice(0, 10)).toBe(d);
        }
        if (rule.effectiveFrom && rule.effectiveTo)
          expect(rule.effectiveFrom <= rule.effectiveTo).toBe(true);
      }
    });
  });
});
