/**
 * Rebuilds src/modules/compliance/rules/data/carrier-throughput.json from source.csv beside this
 * file (see README.md):
 *
 *   npm run data:carrier-throughput [-- --date YYYY-MM-DD]
 *
 * source.csv is the reviewed table of US 10DLC carrier limits: per carrier, the messages per minute
 * one 10DLC campaign may send (scope `campaign`) and the messages per day one brand may send
 * (scope `brand`, T-Mobile's caps), by TCR use-case group and brand vetting score band. Every row
 * is validated, and so is coverage: each (carrier, scope, group) that appears has bands covering
 * the scores 0..100 once each. The output depends only on the CSV (and --date), never the clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dateArgument, isDate, readReviewedTable } from '../lib/csv';
import { runWhenMain } from '../lib/run-main';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE = 'scripts/carrier-throughput/source.csv';
const OUT = 'src/modules/compliance/rules/data/carrier-throughput.json';

export const COLUMNS = [
  'carrier',
  'scope',
  'use_case_group',
  'score_min',
  'score_max',
  'per_minute',
  'per_day',
  'source',
] as const;
export const CARRIERS = ['att', 'tmobile', 'verizon', 'minor'] as const;
export const SCOPES = ['campaign', 'brand'] as const;
export const GROUPS = ['declared', 'mixed', 'low_volume'] as const;

export interface ThroughputRule {
  carrier: (typeof CARRIERS)[number];
  scope: (typeof SCOPES)[number];
  group: (typeof GROUPS)[number];
  scoreMin: number;
  scoreMax: number;
  /** scope campaign: messages (segments) per minute for one 10DLC campaign. */
  perMinute: number | null;
  /** scope brand: messages (segments) per day for the brand, all its campaigns together. */
  perDay: number | null;
  source: string;
}

export interface ThroughputData {
  meta: {
    source: string;
    sourceDate: string;
    builtAt: string;
    rebuild: string;
    method: string;
    disclaimer: string;
    counts: { rules: number };
  };
  rules: ThroughputRule[];
}

const int = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);

/**
 * The JSON for a CSV text: pure (no I/O, no clock). Throws one error listing every bad line, each
 * as `source.csv line N: ...`, and every coverage gap or overlap.
 */
export function buildThroughputData(csvText: string, builtAt?: string): ThroughputData {
  const rules: ThroughputRule[] = [];

  const { reviewed, errors } = readReviewedTable(csvText, COLUMNS, (fields, n, fail) => {
    const [carrier, scope, group, minText, maxText, perMinuteText, perDayText, source] = fields;
    const problems: string[] = [];
    if (!(CARRIERS as readonly string[]).includes(carrier))
      problems.push(`carrier "${carrier}" is not one of ${CARRIERS.join(', ')}`);
    if (!(SCOPES as readonly string[]).includes(scope))
      problems.push(`scope "${scope}" is not one of ${SCOPES.join(', ')}`);
    if (!(GROUPS as readonly string[]).includes(group))
      problems.push(`use_case_group "${group}" is not one of ${GROUPS.join(', ')}`);
    const scoreMin = int(minText);
    const scoreMax = int(maxText);
    if (!(scoreMin >= 0 && scoreMax <= 100 && scoreMin <= scoreMax))
      problems.push(`scores "${minText}".."${maxText}" are not a band within 0..100`);
    const perMinute = perMinuteText ? int(perMinuteText) : null;
    const perDay = perDayText ? int(perDayText) : null;
    if (scope === 'campaign' && (perDay !== null || !(perMinute! > 0)))
      problems.push('a campaign row has a positive per_minute and no per_day');
    if (scope === 'brand' && (perMinute !== null || !(perDay! > 0)))
      problems.push('a brand row has a positive per_day and no per_minute');
    if (!/^https:\/\/\S+$/.test(source)) problems.push('source is not an https URL');
    if (problems.length) {
      fail(problems.join('; '));
      return;
    }
    rules.push({
      carrier: carrier as ThroughputRule['carrier'],
      scope: scope as ThroughputRule['scope'],
      group: group as ThroughputRule['group'],
      scoreMin,
      scoreMax,
      perMinute,
      perDay,
      source,
    });
  });

  // Each (carrier, scope, group) present covers every score 0..100 exactly once.
  const sets = new Map<string, ThroughputRule[]>();
  for (const r of rules) {
    const key = `${r.carrier} ${r.scope} ${r.group}`;
    sets.set(key, [...(sets.get(key) ?? []), r]);
  }
  for (const [key, bands] of sets) {
    const sorted = [...bands].sort((a, b) => a.scoreMin - b.scoreMin);
    let next = 0;
    for (const b of sorted) {
      if (b.scoreMin !== next)
        errors.push(
          `${key}: scores ${next}..${b.scoreMin - 1} ${b.scoreMin > next ? 'have no band' : 'overlap'}`,
        );
      next = Math.max(next, b.scoreMax + 1);
    }
    if (next !== 101) errors.push(`${key}: scores ${next}..100 have no band`);
  }
  // Every carrier has campaign limits for every group, so any registered campaign has a rate.
  for (const carrier of CARRIERS)
    for (const group of GROUPS)
      if (!sets.has(`${carrier} campaign ${group}`))
        errors.push(`${carrier} campaign ${group}: no rows`);

  if (builtAt !== undefined && !isDate(builtAt))
    errors.push(`--date "${builtAt}" is not a YYYY-MM-DD date`);
  if (errors.length) throw new Error(`invalid carrier throughput table:\n  ${errors.join('\n  ')}`);

  const rank = (r: ThroughputRule) =>
    [SCOPES.indexOf(r.scope), CARRIERS.indexOf(r.carrier), GROUPS.indexOf(r.group), r.scoreMin]
      .map((v) => String(v).padStart(3, '0'))
      .join('.');
  rules.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  return {
    meta: {
      source: SOURCE,
      sourceDate: reviewed!,
      builtAt: builtAt ?? reviewed!,
      rebuild:
        'npm run data:carrier-throughput (node -r @swc-node/register scripts/carrier-throughput/build.ts)',
      method: [
        'Hand-reviewed table of the US carriers 10DLC limits as messaging providers publish them (see scripts/carrier-throughput/README.md).',
        'Campaign rows: messages per minute one 10DLC campaign may send towards the carrier; brand rows: messages per day one brand may send towards the carrier.',
        'Bands of the brand vetting (trust) score, 0 for a brand without secondary vetting; use-case groups declared, mixed, low_volume.',
      ].join(' '),
      disclaimer:
        'Carrier limits change and special business reviews, Russell 3000 and government brands get other tiers: confirm your own limits with your provider.',
      counts: { rules: rules.length },
    },
    rules,
  };
}

function main(argv: readonly string[]) {
  const date = dateArgument(argv);
  const csv = fs.readFileSync(path.join(ROOT, SOURCE), 'utf8');
  const data = buildThroughputData(csv, date);
  const out = path.join(ROOT, OUT);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
  console.error(`wrote ${OUT}: ${data.meta.counts.rules} rules, reviewed ${data.meta.sourceDate}`);
}

runWhenMain(module, main);
