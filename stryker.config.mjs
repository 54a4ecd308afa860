// @ts-check
/**
 * Mutation testing of the compliance rules (`npm run test:mutation`), on the unit tier only.
 * See https://stryker-mutator.io/docs/stryker-js/configuration and .../jest-runner.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  mutate: [
    'src/modules/compliance/rules/**/*.ts',
    '!src/modules/compliance/rules/**/*.spec.ts',
    '!src/modules/compliance/rules/data/**',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // The unit project of jest.config.js (same swc transform), narrowed to the rules' own specs:
    // no e2e project (needs a database) and no other unit specs.
    configFile: 'jest.mutation.config.js',
    enableFindRelatedTests: true,
  },
  // Run only the tests that cover a mutant.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level tables: the default rule set, keyword lists, the zone tables) run
  // every test for each mutant: a third of the mutants and five sixths of the time. Their values
  // are pinned by assertions instead: the rule-set snapshot (default-rules.spec.ts), the reply
  // table (opt-out.spec.ts) and the data tests (zone-data.spec.ts).
  ignoreStatic: true,
  // CI runners have 2 cores.
  concurrency: 2,
  // A mutant may take timeoutMS + timeoutFactor × its tests' normal time before it counts as a
  // timeout (infinite loop); the specs run in milliseconds, so this only pads a busy machine.
  timeoutMS: 10000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 3,
  thresholds: { high: 95, low: 90, break: 90 },
  // Incremental: the results of the last full run are committed (stryker-incremental.json), and a
  // run tests again only the mutants whose code or covering tests changed, so CI stays in minutes.
  // `npm run test:mutation -- --force` tests every mutant (about 15 minutes on 2 cores).
  incremental: true,
  incrementalFile: 'stryker-incremental.json',
  reporters: ['clear-text', process.env.CI ? 'progress-append-only' : 'progress', 'html', 'json'],
  clearTextReporter: { logTests: false },
  // Written under reports/ (gitignored); the JSON report feeds later passes (survivor lists).
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Keep build output and local database files out of the sandbox copy (.stryker-tmp/).
  ignorePatterns: ['/dist', '/coverage', '/.data', '/bench/results'],
};

export default config;
