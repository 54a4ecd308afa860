import type { Connection } from 'mysql2/promise';
import { adminConnection } from './db';
import { startTestApp, TestApp } from './test-app';

type Env = Record<string, string | undefined>;

export interface UsedTestApp {
  /** The running application (see startTestApp). */
  readonly t: TestApp;
  /** A connection as the database administrator (see adminConnection). */
  readonly db: Connection;
}

/**
 * The usual e2e setup, one line per `describe`: registers a `beforeAll` that starts the app with
 * `env` and opens an admin connection, and an `afterAll` that closes the connection, then the
 * app (whichever of them was opened: a failed start is reported by the `beforeAll`, not hidden
 * behind a second error here).
 *
 *   const app = useTestApp({ RETENTION_CRON: 'off' });
 *   beforeAll(async () => {
 *     auth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
 *   });
 *
 * Jest runs `beforeAll` hooks in the order they are registered, so the file's own setup goes in
 * a `beforeAll` after this call; `app.t` and `app.db` are only there from then on. `env` may be a
 * function, called when the app starts, for values known only then (an HttpSink's port).
 */
export function useTestApp(env: Env | (() => Env) = {}): UsedTestApp {
  let t: TestApp | undefined;
  let db: Connection | undefined;
  beforeAll(async () => {
    t = await startTestApp(typeof env === 'function' ? env() : env);
    db = await adminConnection();
  });
  afterAll(async () => {
    try {
      await db?.end();
    } finally {
      await t?.close();
    }
  });
  const notYet = (what: string) =>
    new Error(
      `useTestApp(): ${what} is not available: read it in a test or in a beforeAll registered ` +
        'after useTestApp(); if it is read there, the app failed to start (see the beforeAll error)',
    );
  return {
    get t() {
      if (!t) throw notYet('the app (t)');
      return t;
    },
    get db() {
      if (!db) throw notYet('the admin connection (db)');
      return db;
    },
  };
}
