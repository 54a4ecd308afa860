import type { FieldMiddleware, MiddlewareContext, NextFn } from '@nestjs/graphql';
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

/** Cursor pagination by id (ids are UUIDv7: time-ordered), with the total count of the query. */
export async function cursorPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  const counter = qb.clone();
  const totalCount = () => counter.getCount();
  if (after) qb.andWhere(`${alias}.id > :after`, { after });
  const rows = await qb
    .orderBy(`${alias}.id`, 'ASC')
    .take(first + 1)
    .getMany();
  const items = rows.slice(0, first);
  return { items, nextCursor: rows.length > first ? items[items.length - 1].id : null, totalCount };
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

/** Field middleware for a `Lazy` value: computes it when (and only when) the field is selected. */
export const resolveLazy: FieldMiddleware = async (
  _ctx: MiddlewareContext,
  next: NextFn,
): Promise<unknown> => {
  const value: unknown = await next();
  return typeof value === 'function' ? (value as () => Promise<unknown>)() : value;
};
