import breachData from './data/breach-deadlines.json';

/**
 * US state and territory data-breach notification deadlines, from the reviewed table in ./data
 * (statute, trigger and note per rule; source, review date and method in its meta block; rebuilt by
 * `npm run data:breach-deadlines`, see scripts/breach-deadlines/README.md). Only duties with a fixed
 * outer limit in days are there; each is given in hours for breachDeadlines() of ./incident-workflow.
 * Not legal advice: the data is a reminder of the outer limits, not a ruling on which apply.
 */

/** The review date of the table (YYYY-MM-DD). */
export const BREACH_DATA_VERSION: string = breachData.meta.sourceDate;

interface Rule {
  rule: string;
  jurisdiction: string;
  hours: number;
}

const RULES: readonly Rule[] = breachData.rules;

/** Every jurisdiction (ISO 3166-2, e.g. `US-CO`) with at least one rule, in the file's order. */
export const BREACH_JURISDICTIONS: readonly string[] = Object.freeze([
  ...new Set(RULES.map((r) => r.jurisdiction)),
]);

const KNOWN = new Set(BREACH_JURISDICTIONS);

/** Whether the table has rules for this ISO 3166-2 code (exact, upper-case: `US-CO`). */
export function isBreachJurisdiction(code: string): boolean {
  return KNOWN.has(code);
}

/**
 * The rules of these jurisdictions, in the file's order (by jurisdiction, then individuals,
 * attorney general, regulator), as breachDeadlines() takes them. Unknown codes are ignored: callers
 * validate input with isBreachJurisdiction first.
 */
export function breachRulesFor(
  jurisdictions: readonly string[],
): { rule: string; hours: number }[] {
  const wanted = new Set(jurisdictions);
  return RULES.filter((r) => wanted.has(r.jurisdiction)).map((r) => ({
    rule: r.rule,
    hours: r.hours,
  }));
}
