import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure, Scale } from './figures';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryGiB: number;
  mariadb: string;
}

/** Where a run's `previous` values come from, and the runs that produced them. */
export interface ComparedWith {
  /** `git HEAD (<commit>):bench/results/latest-<scale>.json`, or the working file without git. */
  source: string;
  /** Per bench that ran: the date of the run the previous figures come from. */
  runs: Record<string, string>;
}

/**
 * A results file: a run's own (`<stamp>-<scale>.json`) or the merged `latest-<scale>.json`. `date`,
 * `durationSeconds` and `machine` are those of the run that wrote the file; `runs` names, per bench,
 * the run its figures come from (a run's `date`; its own file is `<date, : and . as ->-<scale>.json`).
 * Files written before `runs` existed hold the figures of one run, `date`'s.
 */
export interface Results {
  date: string;
  scale: Scale;
  /** The benches whose figures the file holds, in run order. */
  benches: string[];
  runs?: Record<string, string>;
  durationSeconds?: number;
  machine?: Machine;
  note?: string;
  comparedWith?: ComparedWith;
  figures: Figure[];
}

export interface Baseline {
  source: string;
  results: Results;
}

function parse(text: string, source: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source} is not JSON: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const r = data as Partial<Results> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    typeof r.date !== 'string' ||
    !Array.isArray(r.figures) ||
    !r.figures.every(
      (f) => typeof f?.bench === 'string' && typeof f.figure === 'string' && 'value' in f,
    )
  )
    throw new Error(`${source} is not a results file (date and figures of bench/figure/value)`);
  return r as Results;
}

/** The date of the run each bench's figures come from. */
export function runsOf(results: Results): Record<string, string> {
  const benches = results.benches ?? [...new Set(results.figures.map((f) => f.bench))];
  return results.runs ?? Object.fromEntries(benches.map((b) => [b, results.date]));
}

/**
 * The committed `latest-<scale>.json` in `dir`, read from git's HEAD (what a reviewer compares a
 * change against), else from the working tree when git cannot give it (no git, not committed);
 * null when neither exists.
 */
export function committedResults(dir: string, scale: Scale): Baseline | null {
  const name = `latest-${scale}.json`;
  let committed: { text: string; commit: string } | null;
  try {
    const git = (args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 2 ** 20,
      });
    // `./`: the path from `dir`, wherever the repository's root is.
    committed = {
      text: git(['show', `HEAD:./${name}`]),
      commit: git(['rev-parse', '--short', 'HEAD']).trim(),
    };
  } catch {
    committed = null;
  }
  if (committed) {
    const source = `git HEAD (${committed.commit}):bench/results/${name}`;
    return { source, results: parse(committed.text, source) };
  }
  const path = join(dir, name);
  if (!existsSync(path)) return null;
  const source = `bench/results/${name} (working tree; git HEAD has none)`;
  return { source, results: parse(readFileSync(path, 'utf8'), source) };
}

/** The working tree's `latest-<scale>.json` (what this run merges into), or null. */
export function latestResults(dir: string, scale: Scale): Results | null {
  const path = join(dir, `latest-${scale}.json`);
  if (!existsSync(path)) return null;
  return parse(readFileSync(path, 'utf8'), `bench/results/latest-${scale}.json`);
}

/**
 * The figure with the baseline's value of the same bench, figure and unit as `previous`, and
 * new / previous as `ratio` (omitted when the previous value is 0 or not finite); the figure as it
 * is when the baseline has no such figure.
 */
export function compared(f: Figure, baseline: Baseline | null): Figure {
  const p = baseline?.results.figures.find(
    (b) => b.bench === f.bench && b.figure === f.figure && b.unit === f.unit,
  );
  if (!p || typeof p.value !== 'number' || !Number.isFinite(p.value)) return f;
  const out: Figure = { ...f, previous: p.value };
  if (p.value !== 0 && Number.isFinite(f.value))
    out.ratio = Number((f.value / p.value).toPrecision(3));
  return out;
}

/**
 * `latest-<scale>.json` after a run: the run's figures for the benches that ran, the previous
 * file's for the others (with the date of the run that produced them in `runs`), benches in `order`
 * (names not in it last). Top-level date, duration and machine are the run's.
 */
export function merged(previous: Results | null, run: Results, order: string[]): Results {
  const ran = new Set(run.benches);
  const runs: Record<string, string> = {};
  if (previous)
    for (const [bench, date] of Object.entries(runsOf(previous)))
      if (!ran.has(bench)) runs[bench] = date;
  for (const bench of run.benches) runs[bench] = run.date;
  const rank = (b: string) => (order.includes(b) ? order.indexOf(b) : order.length);
  const benches = Object.keys(runs).sort((a, b) => rank(a) - rank(b));
  const from = (b: string) => (ran.has(b) ? run.figures : (previous?.figures ?? []));
  return {
    ...run,
    benches,
    runs: Object.fromEntries(benches.map((b) => [b, runs[b]])),
    figures: benches.flatMap((b) => from(b).filter((f) => f.bench === b)),
  };
}

/** The figures as a markdown table: figure | target | measured | previous | ratio | ok. */
export function markdownTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    `${f.bench}/${f.figure}`,
    f.target ?? '',
    `${f.value} ${f.unit}`,
    f.previous === undefined ? '' : `${f.previous} ${f.unit}`,
    f.ratio === undefined ? '' : `${f.ratio}x`,
    f.ok === undefined ? '' : f.ok ? 'yes' : 'NO',
  ]);
  const header = ['figure', 'target', 'measured', 'previous', 'ratio', 'ok'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
