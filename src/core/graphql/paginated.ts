import { Type } from '@nestjs/common';
import {
  Field,
  FieldMiddleware,
  Int,
  MiddlewareContext,
  NextFn,
  ObjectType,
} from '@nestjs/graphql';
import type { Lazy } from '../database/pagination';

/** Field middleware for a `Lazy` value: computes it when (and only when) the field is selected. */
export const resolveLazy: FieldMiddleware = async (
  _ctx: MiddlewareContext,
  next: NextFn,
): Promise<unknown> => {
  const value: unknown = await next();
  return typeof value === 'function' ? (value as () => Promise<unknown>)() : value;
};

export interface PaginatedOptions {
  /** Describes `nextCursor` where the order needs saying (e.g. newest first). */
  nextCursor?: string;
  /**
   * Exposes `totalCount`, counted only when selected (the page's `Lazy` count); a string is its
   * description. Off for lists whose count would mean a scan nobody asked for.
   */
  totalCount?: boolean | string;
}

/** The page's fields; `totalCount` is a GraphQL field only where `Paginated` was asked for it. */
export interface PaginatedType<T> {
  items: T[];
  nextCursor: string | null;
  totalCount?: number | Lazy<number>;
}

/**
 * The one page type: `@ObjectType('TaskPage') class TaskPageDTO extends Paginated(TaskDTO, ...) {}`
 * gives `items`, `nextCursor` and, if asked, `totalCount`, the shape `cursorPage` returns.
 */
export function Paginated<T>(
  item: Type<T>,
  options: PaginatedOptions = {},
): Type<PaginatedType<T>> {
  @ObjectType({ isAbstract: true })
  abstract class Page implements PaginatedType<T> {
    @Field(() => [item]) items!: T[];

    @Field(() => String, { nullable: true, description: options.nextCursor })
    nextCursor!: string | null;

    totalCount?: number | Lazy<number>;
  }
  if (options.totalCount) {
    const description = typeof options.totalCount === 'string' ? options.totalCount : undefined;
    Field(() => Int, { middleware: [resolveLazy], description })(Page.prototype, 'totalCount');
  }
  return Page as unknown as Type<PaginatedType<T>>;
}
