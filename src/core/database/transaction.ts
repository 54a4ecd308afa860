import { driverErrorOf } from '../errors/map-error';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in the caller's transaction when one is given, else in a new one: for service
 * methods that are called on their own and as one step of a larger change.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  work: (m: EntityManager) => Promise<T>,
): Promise<T> {
  return manager ? work(manager) : dataSource.transaction(work);
}

const ER_LOCK_DEADLOCK = 1213;

/**
 * Runs a transaction again (at most twice more) when InnoDB chose it as a deadlock victim: the
 * victim was rolled back whole, so running it again is safe, and is what InnoDB expects of clients.
 */
export async function retryDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= 2 || driverErrorOf(e).errno !== ER_LOCK_DEADLOCK) throw e;
    }
  }
}
