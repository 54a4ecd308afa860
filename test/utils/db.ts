import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createConnection, Connection } from 'mysql2/promise';

/** A connection as the database administrator: for tests that play the DBA or the attacker. */
export function adminConnection(): Promise<Connection> {
  const url = process.env.ADMIN_DATABASE_URL;
  if (!url) throw new Error('ADMIN_DATABASE_URL is not set (test/global-setup.ts sets it)');
  return createConnection({ uri: url, timezone: 'Z' });
}

/** Runs scripts/db.sh against the test database (kill, start, ...), for outage and crash tests. */
export function dbScript(command: 'start' | 'stop' | 'kill'): void {
  if (!process.env.CW_DB_DIR) throw new Error('needs the disposable database of scripts/db.sh');
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'db.sh'), command], {
    env: process.env,
    stdio: 'ignore',
  });
}
