import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the global setup leaves the environment every e2e test file starts from. */
export const TEST_ENV_FILE = join(tmpdir(), `callwarden-test-env-${process.getuid?.() ?? 0}.json`);
