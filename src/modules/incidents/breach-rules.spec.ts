import fs from 'node:fs';
import path from 'node:path';
import breachData from './data/breach-deadlines.json';
import {
  BREACH_DATA_VERSION,
  BREACH_JURISDICTIONS,
  breachRulesFor,
  isBreachJurisdiction,
} from './breach-rules';
import { breachDeadlines } from './incident-workflow';
import { buildBreachData, formatBreachData, NOTIFY } from '../../../scripts/breach-deadlines/build';

const ROOT = path.resolve(__dirname, '../../..');
const CSV = fs.readFileSync(path.join(ROOT, 'scripts/breach-deadlines/source.csv'), 'utf8');
const JSON_TEXT = fs.readFileSync(
  path.join(ROOT, 'src/modules/incidents/data/breach-deadlines.json'),
  'utf8',
);

const HOUR = 3_600_000;

describe('breach deadline data', () => {
  it('is exactly what the build makes of source.csv (rebuild with npm run data:breach-deadlines)', () => {
    const built = buildBreachData(CSV, breachData.meta.builtAt);
    expect(breachData).toEqual(built);
    expect(JSON_TEXT).toBe(formatBreachData(built));
  });

  it('builds the same file twice, dated by the review date unless a date is given', () => {
    expect(formatBreachData(buildBreachData(CSV))).toBe(formatBreachData(buildBreachData(CSV)));
    expect(buildBreachData(CSV).meta.builtAt).toBe(buildBreachData(CSV).meta.sourceDate);
    expect(buildBreachData(CSV, '2027-01-15').meta.builtAt).toBe('2027-01-15');
    expect(breachData.meta.sourceDate).toBe('2026-12-02');
    expect(BREACH_DATA_VERSION).toBe(breachData.meta.sourceDate);
    expect(breachData.meta.disclaimer).toMatch(/not legal advice/i);
  });

  it('has well-formed rules, one per jurisdiction and recipient, sorted', () => {
    const keys = new Set<string>();
    for (const r of breachData.rules) {
      expect(r.jurisdiction).toMatch(/^US-[A-Z]{2}$/);
      expect(NOTIFY).toContain(r.notify);
      expect(r.rule).toBe(`${r.jurisdiction.toLowerCase()}:${r.notify}`);
      expect(Number.isInteger(r.hours / 24)).toBe(true);
      expect(r.hours / 24).toBeGreaterThanOrEqual(1);
      expect(r.hours / 24).toBeLessThanOrEqual(365);
      expect(r.citation.trim()).not.toBe('');
      expect(r.trigger.trim()).not.toBe('');
      keys.add(r.rule);
    }
    expect(keys.size).toBe(breachData.rules.length);
    const order = breachData.rules.map(
      (r) => `${r.jurisdiction} ${NOTIFY.indexOf(r.notify as (typeof NOTIFY)[number])}`,
    );
    expect(order).toEqual([...order].sort());
  });

  it('keeps the statutory numbers reviewed in the README', () => {
    const days = (rule: string) => breachData.rules.find((r) => r.rule === rule)!.hours / 24;
    expect(days('us-co:individuals')).toBe(30);
    expect(days('us-co:attorney_general')).toBe(30);
    expect(days('us-fl:individuals')).toBe(30);
    expect(days('us-wa:individuals')).toBe(30);
    expect(days('us-tx:individuals')).toBe(60);
    expect(days('us-tx:attorney_general')).toBe(30);
    expect(days('us-ny:individuals')).toBe(30);
  });
});

describe('breach rules', () => {
  it('lists each jurisdiction once', () => {
    expect(new Set(BREACH_JURISDICTIONS).size).toBe(BREACH_JURISDICTIONS.length);
    expect([...BREACH_JURISDICTIONS].sort()).toEqual(
      [...new Set(breachData.rules.map((r) => r.jurisdiction))].sort(),
    );
    expect(isBreachJurisdiction('US-CO')).toBe(true);
    expect(isBreachJurisdiction('us-co')).toBe(false);
    expect(isBreachJurisdiction('US-ZZ')).toBe(false);
    expect(isBreachJurisdiction('constructor')).toBe(false);
    expect(isBreachJurisdiction('')).toBe(false);
  });

  it('picks exactly the rules of the given jurisdictions, in file order, ignoring unknown codes', () => {
    expect(breachRulesFor([])).toEqual([]);
    expect(breachRulesFor(['US-ZZ', 'toString'])).toEqual([]);
    expect(breachRulesFor(['US-TX', 'US-CO', 'US-ZZ'])).toEqual([
      { rule: 'us-co:individuals', hours: 720 },
      { rule: 'us-co:attorney_general', hours: 720 },
      { rule: 'us-tx:individuals', hours: 1440 },
      { rule: 'us-tx:attorney_general', hours: 720 },
    ]);
    for (const j of BREACH_JURISDICTIONS) {
      const picked = breachRulesFor([j, j]);
      expect(picked).toEqual(
        breachData.rules
          .filter((r) => r.jurisdiction === j)
          .map((r) => ({ rule: r.rule, hours: r.hours })),
      );
    }
    expect(breachRulesFor(BREACH_JURISDICTIONS)).toHaveLength(breachData.rules.length);
  });

  it('gives a US-CO breach GDPR 72 hours and Colorado 30 days', () => {
    const detectedAt = new Date('2026-03-01T00:00:00Z');
    const deadlines = breachDeadlines(detectedAt, breachRulesFor(['US-CO']));
    const due = Object.fromEntries(deadlines.map((d) => [d.rule, d.dueAt.toISOString()]));
    expect(due).toEqual({
      'gdpr:authority': new Date(detectedAt.getTime() + 72 * HOUR).toISOString(),
      'us-co:individuals': '2026-03-31T00:00:00.000Z',
      'us-co:attorney_general': '2026-03-31T00:00:00.000Z',
    });
    expect(due['gdpr:authority']).toBe('2026-03-04T00:00:00.000Z');
    expect(deadlines[0].rule).toBe('gdpr:authority');
  });
});

describe('buildBreachData validation', () => {
  const head = '# reviewed: 2026-12-02\njurisdiction,notify,days,citation,trigger,note\n';

  it('builds a small table', () => {
    const data = buildBreachData(
      `${head}US-TX,attorney_general,30,Tex. § 1,250+ residents,\nUS-CO,individuals,30,"C.R.S. § 6-1-716, (2)",any,"a ""quoted"" note"\n`,
    );
    expect(data.rules.map((r) => r.rule)).toEqual(['us-co:individuals', 'us-tx:attorney_general']);
    expect(data.rules[0]).toEqual({
      rule: 'us-co:individuals',
      jurisdiction: 'US-CO',
      notify: 'individuals',
      hours: 720,
      citation: 'C.R.S. § 6-1-716, (2)',
      trigger: 'any',
      note: 'a "quoted" note',
    });
    expect(data.meta.counts).toEqual({ rules: 2, jurisdictions: 2 });
  });

  it('names every bad line', () => {
    const csv =
      head +
      'US-CO,individuals,30,C.R.S. § 6-1-716,any,\n' + // line 3: fine
      'US-FL,individuals,0,Fla. Stat. § 501.171,any,\n' + // line 4: days 0
      'US-CO,individuals,45,C.R.S. § 6-1-716,any,\n' + // line 5: duplicate of line 3
      'Colorado,individuals,30,C.R.S. § 6-1-716,any,\n' + // line 6: bad jurisdiction
      'US-WA,governor,30,RCW 19.255.010,any,\n' + // line 7: bad notify
      'US-OH,individuals,4.5,,any,\n' + // line 8: days not an integer, no citation
      'US-ME,individuals,400,10 M.R.S. § 1348,any\n'; // line 9: 5 fields
    let message = '';
    try {
      buildBreachData(csv);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/source\.csv line 4: .*days "0"/);
    expect(message).toMatch(
      /source\.csv line 5: .*duplicate US-CO individuals \(first on line 3\)/,
    );
    expect(message).toMatch(/source\.csv line 6: .*jurisdiction "Colorado"/);
    expect(message).toMatch(/source\.csv line 7: .*notify "governor"/);
    expect(message).toMatch(/source\.csv line 8: .*days "4\.5".*citation is empty/);
    expect(message).toMatch(/source\.csv line 9: 5 fields/);
    expect(message).not.toMatch(/line 3:/);
  });

  it.each([
    ['days over a year', `${head}US-CO,individuals,366,C.R.S.,any,\n`, /line 3: .*days "366"/],
    ['lower-case code', `${head}us-co,individuals,30,C.R.S.,any,\n`, /line 3: .*jurisdiction/],
    ['EU code', `${head}EU,regulator,3,GDPR Art. 33,any,\n`, /line 3: .*jurisdiction "EU"/],
    ['a bad header', '# reviewed: 2026-12-02\nstate,notify,days\n', /line 2: header must be/],
    ['no review date', 'jurisdiction,notify,days,citation,trigger,note\n', /reviewed: YYYY-MM-DD/],
    ['a bad review date', `# reviewed: 2026-13-40\n${head}`, /line 1: review date/],
    ['an unterminated quote', `${head}US-CO,individuals,30,"C.R.S.,any,\n`, /line 3: unterminated/],
  ])('rejects %s', (_name, csv, pattern) => {
    expect(() => buildBreachData(csv)).toThrow(pattern);
  });

  it('rejects a bad --date', () => {
    expect(() => buildBreachData(`${head}US-CO,individuals,30,C.R.S.,any,\n`, 'today')).toThrow(
      /--date "today"/,
    );
  });
});
