import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null at the end. */
  nextCursor: string | null;
  /** Rows matching the query (the caller's row rules included), not just this page. */
  totalCount: number;
}

/** Cursor pagination by id (ids are UUIDv7: time-ordered), with the total count of the query. */
export async function cursorPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  const totalCount = await qb.clone().getCount();
  if (after) qb.andWhere(`${alias}.id > :after`, { after });
  const rows = await qb
    .orderBy(`${alias}.id`, 'ASC')
    .take(first + 1)
    .getMany();
  const items = rows.slice(0, first);
  return { items, nextCursor: rows.length > first ? items[items.length - 1].id : null, totalCount };
}

export const EMPTY_PAGE: Page<never> = { items: [], nextCursor: null, totalCount: 0 };

/** Rows in the order of `ids`, null where a row is missing (DataLoader contract). */
export function inOrderOf<T extends { id: string }>(
  ids: readonly string[],
  rows: T[],
): (T | null)[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}
