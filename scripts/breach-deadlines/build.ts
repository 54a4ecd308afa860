/**
 * Rebuilds src/modules/incidents/data/breach-deadlines.json from source.csv beside this file (see
 * README.md):
 *
 *   npm run data:breach-deadlines [-- --date YYYY-MM-DD]
 *
 * source.csv is the reviewed table of US state and territory data-breach notification duties that
 * carry a FIXED outer deadline in days. Every row is validated; the JSON holds one rule per row,
 * `hours = days * 24`, sorted by jurisdiction then recipient. The output depends only on the CSV
 * (and --date): `builtAt` is the review date of the CSV's `# reviewed:` header unless --date is given,
 * never the clock, so a rebuild of an unchanged table gives an identical file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dateArgument, isDate, readReviewedTable } from '../lib/csv';
import { runWhenMain } from '../lib/run-main';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE = 'scripts/breach-deadlines/source.csv';
const OUT = 'src/modules/incidents/data/breach-deadlines.json';

export const COLUMNS = ['jurisdiction', 'notify', 'days', 'citation', 'trigger', 'note'] as const;
export const NOTIFY = ['individuals', 'attorney_general', 'regulator'] as const;
export type Notify = (typeof NOTIFY)[number];

export interface BreachRule {
  /** `us-co:individuals`: the rule id breachDeadlines() reports. */
  rule: string;
  /** ISO 3166-2 code, e.g. `US-CO`. */
  jurisdiction: string;
  notify: Notify;
  /** The statutory outer limit, in hours from discovery / determination of the breach. */
  hours: number;
  citation: string;
  trigger: string;
  note: string;
}

export interface BreachData {
  meta: {
    source: string;
    sourceDate: string;
    builtAt: string;
    rebuild: string;
    method: string;
    disclaimer: string;
    counts: { rules: number; jurisdictions: number };
  };
  rules: BreachRule[];
}

/**
 * The JSON for a CSV text: pure (no I/O, no clock). `builtAt` defaults to the table's review date
 * (its `# reviewed: YYYY-MM-DD` header comment). Throws one error listing every bad line, each as
 * `source.csv line N: ...` (N counts from 1, comments and blank lines included).
 */
export function buildBreachData(csvText: string, builtAt?: string): BreachData {
  const rules: BreachRule[] = [];
  const seen = new Map<string, number>();

  const { reviewed, errors } = readReviewedTable(csvText, COLUMNS, (fields, n, fail) => {
    const [jurisdiction, notify, daysText, citation, trigger, note] = fields;
    const problems: string[] = [];
    if (!/^US-[A-Z]{2}$/.test(jurisdiction))
      problems.push(`jurisdiction "${jurisdiction}" is not an ISO 3166-2 US code like US-CO`);
    if (!(NOTIFY as readonly string[]).includes(notify))
      problems.push(`notify "${notify}" is not one of ${NOTIFY.join(', ')}`);
    const days = /^\d+$/.test(daysText) ? Number(daysText) : NaN;
    if (!Number.isInteger(days) || days < 1 || days > 365)
      problems.push(`days "${daysText}" is not an integer from 1 to 365`);
    if (!citation) problems.push('citation is empty');
    if (!trigger) problems.push('trigger is empty (write "any" when every breach counts)');
    const key = `${jurisdiction}:${notify}`;
    const first = seen.get(key);
    if (first !== undefined)
      problems.push(`duplicate ${jurisdiction} ${notify} (first on line ${first})`);
    else seen.set(key, n);
    if (problems.length) {
      fail(problems.join('; '));
      return;
    }
    rules.push({
      rule: `${jurisdiction.toLowerCase()}:${notify}`,
      jurisdiction,
      notify: notify as Notify,
      hours: days * 24,
      citation,
      trigger,
      note,
    });
  });

  if (builtAt !== undefined && !isDate(builtAt))
    errors.push(`--date "${builtAt}" is not a YYYY-MM-DD date`);
  if (rules.length === 0 && errors.length === 0) errors.push('source.csv: no rules');
  if (errors.length) throw new Error(`invalid breach deadline table:\n  ${errors.join('\n  ')}`);

  const order = (r: BreachRule) => NOTIFY.indexOf(r.notify);
  rules.sort((a, b) =>
    a.jurisdiction < b.jurisdiction
      ? -1
      : a.jurisdiction > b.jurisdiction
        ? 1
        : order(a) - order(b),
  );
  return {
    meta: {
      source: SOURCE,
      sourceDate: reviewed!,
      builtAt: builtAt ?? reviewed!,
      rebuild:
        'npm run data:breach-deadlines (node -r @swc-node/register scripts/breach-deadlines/build.ts)',
      method: [
        'Hand-reviewed table of US state and territory data-breach notification statutes (see scripts/breach-deadlines/README.md for what was checked and how).',
        'One rule per notification duty whose statute states a fixed outer deadline in days; hours = days * 24, counted from the discovery or determination of the breach as each note says.',
        'Left out: duties "without unreasonable delay" with no number of days, deadlines relative to another notice, and deadlines in business days.',
        'Sorted by jurisdiction, then individuals, attorney_general, regulator.',
      ].join(' '),
      disclaimer:
        'Not legal advice; review with counsel. Statutes change, law-enforcement delays and clock-start rules vary by state, and sector laws (HIPAA, GLBA, insurance codes) may set other deadlines.',
      counts: {
        rules: rules.length,
        jurisdictions: new Set(rules.map((r) => r.jurisdiction)).size,
      },
    },
    rules,
  };
}

/** The file text: 2-space JSON, as prettier leaves it. */
export function formatBreachData(data: BreachData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

function main(argv: readonly string[]) {
  const date = dateArgument(argv);
  const csv = fs.readFileSync(path.join(ROOT, SOURCE), 'utf8');
  const data = buildBreachData(csv, date);
  const out = path.join(ROOT, OUT);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, formatBreachData(data));
  console.error(
    `wrote ${OUT}: ${data.meta.counts.rules} rules, ${data.meta.counts.jurisdictions} jurisdictions, reviewed ${data.meta.sourceDate}`,
  );
}

runWhenMain(module, main);
