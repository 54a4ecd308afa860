import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VARIABLE = 'CW_TEST_ENV_FILE';

/**
 * Where the global setup leaves the environment every e2e test file starts from. One file per run
 * (named in the process environment, which test workers inherit), so two test runs on one machine,
 * each with its own database, never read each other's settings.
 */
export function newTestEnvFile(): string {
  const file = join(tmpdir(), `callwarden-test-env-${process.pid}-${Date.now()}.json`);
  process.env[VARIABLE] = file;
  return file;
}

export function currentTestEnvFile(): string {
  const file = process.env[VARIABLE];
  if (!file)
    throw new Error(
      `${VARIABLE} is not set: run the e2e tests through jest (test/global-setup.ts)`,
    );
  return file;
}
