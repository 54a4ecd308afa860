import { createConnection, Connection } from 'mysql2/promise';

/** A connection as the database administrator: for tests that play the DBA or the attacker. */
export function adminConnection(): Promise<Connection> {
  const url = process.env.ADMIN_DATABASE_URL;
  if (!url) throw new Error('ADMIN_DATABASE_URL is not set (test/global-setup.ts sets it)');
  return createConnection({ uri: url, timezone: 'Z' });
}
