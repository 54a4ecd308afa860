import { adminConnection } from './db';

/**
 * For suites that run the incident detector: lifts every address block when the suite ends, so
 * no block it made (or replayed from earlier suites' failures) refuses a later suite's addresses.
 * Its own connection: useTestApp's afterAll, registered first, has closed the suite's by then.
 */
export function liftAddressBlocksAfterAll(): void {
  afterAll(async () => {
    const db = await adminConnection();
    try {
      await db.query('UPDATE address_blocks SET lifted_at = NOW(3) WHERE lifted_at IS NULL');
    } finally {
      await db.end();
    }
  });
}
