/**
 * How many cases a fast-check property runs: `full` normally; a tenth (at least 20) under mutation
 * testing, where each mutant re-runs the properties that cover it and the table tests do most of
 * the killing (jest.mutation.config.js sets the `PROPERTY_RUNS_SCALE` global).
 */
export function propertyRuns(full: number): number {
  const scale = (globalThis as { PROPERTY_RUNS_SCALE?: unknown }).PROPERTY_RUNS_SCALE;
  return typeof scale === 'number' ? Math.max(20, Math.round(full * scale)) : full;
}
