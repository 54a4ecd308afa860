import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { run as apiKeysBench } from './api-keys.bench';
import { run as auditBench } from './audit.bench';
import { run as authBench } from './auth.bench';
import { run as cryptoBench } from './crypto.bench';
import { run as decisionsBench } from './decisions.bench';
import { run as graphqlBench } from './graphql.bench';
import { run as incidentsBench } from './incidents.bench';
import { run as loginBench } from './login.bench';
import { run as placementImportBench } from './placement-import.bench';
import { run as precheckBench } from './precheck.bench';
import { run as retentionBench } from './retention.bench';
import { run as screeningBench } from './screening.bench';
import { BenchContext, BenchFn, Figure, Scale } from './lib/figures';
import {
  committedResults,
  compared,
  latestResults,
  markdownTable,
  merged,
  Results,
  runsOf,
} from './lib/results';
import { startBenchApp } from './lib/setup';
import { msSince, nowNs } from './lib/timing';

/** In run order. `npm run bench -- crypto audit` runs a subset. */
const BENCHES: { name: string; run: BenchFn }[] = [
  { name: 'crypto', run: cryptoBench },
  { name: 'audit', run: auditBench },
  { name: 'api-keys', run: apiKeysBench },
  { name: 'auth', run: authBench },
  { name: 'graphql', run: graphqlBench },
  { name: 'precheck', run: precheckBench },
  { name: 'decisions', run: decisionsBench },
  { name: 'login', run: loginBench },
  { name: 'incidents', run: incidentsBench },
  { name: 'retention', run: retentionBench },
  { name: 'placement-import', run: placementImportBench },
  { name: 'screening', run: screeningBench },
];

const RESULTS_DIR = join(__dirname, 'results');
const NOTE =
  'crypto, audit, api-keys, precheck and decisions call the app services in-process (no HTTP, no CPU ' +
  'pinning); graphql and login run the server as a child process pinned to core 1 and drive it ' +
  'over HTTP from this process pinned to core 0 (autocannon, and open-loop drivers in worker ' +
  'threads), with MariaDB pinned to core 0 too for the run, so that the server has its core alone.';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function parseScale(raw: string | undefined): Scale {
  const value = (raw ?? 'small').trim().toLowerCase() || 'small';
  if (value === 'small' || value === 'full') return value;
  throw new Error(`BENCH_SCALE must be small or full, not ${JSON.stringify(raw)}`);
}

function selectBenches(args: string[]): { name: string; run: BenchFn }[] {
  if (args.length === 0) return BENCHES;
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length > 0) {
    throw new Error(
      `unknown bench ${unknown.join(', ')}; choose from ${BENCHES.map((b) => b.name).join(', ')}`,
    );
  }
  return BENCHES.filter((b) => args.includes(b.name));
}

function writeJson(path: string, data: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const scale = parseScale(process.env.BENCH_SCALE);
  const selected = selectBenches(process.argv.slice(2));
  const startedAt = new Date();
  const started = nowNs();
  log(`scale ${scale}; benches ${selected.map((b) => b.name).join(', ')}`);
  // Read before anything runs: what this run's figures are compared with.
  const baseline = committedResults(RESULTS_DIR, scale);
  const baselineRuns = baseline ? runsOf(baseline.results) : {};
  const comparedWith = baseline && {
    source: baseline.source,
    runs: Object.fromEntries(
      selected.filter((b) => b.name in baselineRuns).map((b) => [b.name, baselineRuns[b.name]]),
    ),
  };
  log(
    comparedWith
      ? `previous figures: ${comparedWith.source}` +
          Object.entries(comparedWith.runs)
            .map(([b, date], i) => `${i === 0 ? '; ' : ', '}${b} of ${date}`)
            .join('')
      : `previous figures: none (no committed bench/results/latest-${scale}.json)`,
  );

  const bench = await startBenchApp(log);
  const figures: Figure[] = [];
  try {
    const ctx: BenchContext = {
      app: bench.app,
      dataSource: bench.dataSource,
      env: bench.env,
      scale,
      log,
    };
    for (const b of selected) {
      const t = nowNs();
      log(`--- ${b.name}`);
      for (const measured of await b.run(ctx)) {
        if (measured.bench !== b.name)
          throw new Error(`bench ${b.name} returned a figure of ${measured.bench}`);
        const f = compared(measured, baseline);
        figures.push(f);
        process.stdout.write(`${JSON.stringify(f)}\n`);
      }
      log(`--- ${b.name} done in ${(msSince(t) / 1000).toFixed(1)} s`);
    }
  } finally {
    log('closing the application');
    await bench.close();
  }

  const cpuList = cpus();
  const date = startedAt.toISOString();
  const machine = {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${release()}`,
    totalMemoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    mariadb: bench.dbVersion,
  };
  const results: Results = {
    date,
    scale,
    benches: selected.map((b) => b.name),
    runs: Object.fromEntries(selected.map((b) => [b.name, date])),
    durationSeconds: Number((msSince(started) / 1000).toFixed(1)),
    machine,
    note: NOTE,
    ...(comparedWith ? { comparedWith } : {}),
    figures,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeJson(join(RESULTS_DIR, `${stamp}-${scale}.json`), results);
  // The benches that did not run keep their figures (and the date of the run that made them).
  const latest = merged(
    latestResults(RESULTS_DIR, scale),
    results,
    BENCHES.map((b) => b.name),
  );
  writeJson(join(RESULTS_DIR, `latest-${scale}.json`), latest);
  const kept = latest.benches
    .filter((b) => !results.benches.includes(b))
    .map((b) => `${b} of ${latest.runs?.[b] ?? '?'}`);

  const missed = figures.filter((f) => f.ok === false).length;
  process.stderr.write(
    `\n${markdownTable(figures)}\n\n${NOTE}\n` +
      `${cpuList.length} CPUs (${machine.cpuModel}), Node ${process.version}, ` +
      `MariaDB ${bench.dbVersion}, scale ${scale}, ${results.durationSeconds} s; ` +
      `${missed === 0 ? 'every target met' : `${missed} target(s) missed`}.\n` +
      `Previous: ${comparedWith?.source ?? 'none'}.\n` +
      `Results: bench/results/${stamp}-${scale}.json and bench/results/latest-${scale}.json` +
      (kept.length ? `, which keeps the figures of ${kept.join(', ')}` : '') +
      '\n',
  );
}

main().then(
  () => {
    process.exitCode = 0;
    // Anything the app left open (a timer, a socket) must not keep a finished run alive.
    setTimeout(() => process.exit(0), 2_000).unref();
  },
  (e: unknown) => {
    process.stderr.write(
      `[bench] crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);
