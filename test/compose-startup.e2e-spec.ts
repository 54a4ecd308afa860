import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * docker/compose.yaml's start-up sequence where no Docker engine runs: scripts/compose-check.sh
 * validates the file with Compose itself (`docker compose config`, or Debian's docker-compose),
 * creates the database and its three accounts with the init SQL the db service runs, migrates with
 * the migrator's URL file alone in production mode, starts the API in production mode with the api
 * service's variables until /health/ready answers (every table encrypted at rest), and checks that
 * the application's account is refused DDL. It works on the tests' own MariaDB, in a database of
 * its own that it drops afterwards.
 */
describe('compose start-up sequence (e2e)', () => {
  it('is valid Compose, and initialises, migrates and starts in production mode with least-privilege accounts', () => {
    const run = spawnSync('bash', [join(__dirname, '..', 'scripts', 'compose-check.sh')], {
      env: {
        ...process.env,
        CW_DB_DIR: process.env.CW_DB_DIR ?? `/dev/shm/callwarden-test-${process.getuid?.() ?? 0}`,
        CW_DB_PORT: process.env.CW_DB_PORT ?? '3317',
      },
      encoding: 'utf8',
      // A fresh machine installs docker-compose first (apt).
      timeout: 300_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    expect({ status: run.status, output }).toMatchObject({ status: 0 });
    for (const step of [
      'compose file valid',
      'database and accounts created',
      'migrated',
      'API ready in production mode',
      "the application's account is refused DDL",
    ]) {
      expect(output).toContain(`compose-check: ${step}`);
    }
  }, 300_000);
});
