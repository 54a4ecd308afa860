import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** A value computed only if asked for (see `resolveLazy`). */
export type Lazy<T> = () => Promise<T>;

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null at the end. */
  nextCursor: string | null;
  /** Rows matching the query (the caller's row rules included): counted only when selected. */
  totalCount: Lazy<number>;
}

/**
 * The column a page is keyed on: unique and indexed, so `after` resumes exactly where the last page
 * stopped however rows are added meanwhile. Ids (UUIDv7) are time-ordered, so `id` ascending is
 * oldest first; append-only logs key on their sequence number, newest first.
 */
export interface CursorKey<T> {
  property: keyof T & string;
  order: 'ASC' | 'DESC';
}

export const BY_ID = { property: 'id', order: 'ASC' } as const;

/**
 * The one cursor pagination: `first` rows of the query after the cursor `after` in key order, the
 * next cursor, and the query's total count (computed only if selected).
 */
export async function cursorPage<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  key: CursorKey<T>,
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  const counter = qb.clone();
  const totalCount = () => counter.getCount();
  const column = `${qb.alias}.${key.property}`;
  if (after) qb.andWhere(`${column} ${key.order === 'ASC' ? '>' : '<'} :after`, { after });
  const rows = await qb
    .orderBy(column, key.order)
    .take(first + 1)
    .getMany();
  const items = rows.slice(0, first);
  const last = items[items.length - 1] as T | undefined;
  return {
    items,
    nextCursor: rows.length > first && last ? String(last[key.property]) : null,
    totalCount,
  };
}

export const EMPTY_PAGE: Page<never> = {
  items: [],
  nextCursor: null,
  totalCount: () => Promise.resolve(0),
};

/** Rows in the order of `ids`, null where a row is missing (DataLoader contract). */
export function inOrderOf<T extends { id: string }>(
  ids: readonly string[],
  rows: T[],
): (T | null)[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}
