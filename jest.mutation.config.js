/**
 * Jest config for mutation testing (stryker.config.mjs): the `unit` project of jest.config.js,
 * narrowed to the compliance rules' own specs. Stryker's jest runner wants a single-project config.
 */
const { projects } = require('./jest.config.js');

const unit = projects.find((p) => p.displayName === 'unit');

module.exports = {
  ...unit,
  displayName: 'mutation',
  roots: ['<rootDir>/src/modules/compliance/rules'],
  testMatch: ['<rootDir>/src/modules/compliance/rules/**/*.spec.ts'],
  // A tenth of the fast-check cases per property (test/utils/property-runs.ts): every mutant
  // re-runs the properties that cover it.
  globals: { PROPERTY_RUNS_SCALE: 0.1 },
};
