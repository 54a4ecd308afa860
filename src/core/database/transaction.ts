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
