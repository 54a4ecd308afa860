import { readFileSync } from 'node:fs';
import { currentTestEnvFile } from './utils/test-env-file';

const env = JSON.parse(readFileSync(currentTestEnvFile(), 'utf8')) as Record<string, string>;
for (const [key, value] of Object.entries(env)) process.env[key] = value;
// The test env file wins over anything inherited except what a developer set for the run.
delete process.env.MASTER_KEY;
