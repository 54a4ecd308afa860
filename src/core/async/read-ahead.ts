/**
 * Yields what `source` yields, asking it for the next item as soon as the current one is handed
 * out: the source's I/O for item n+1 runs while the consumer works on item n. One item ahead, no
 * more, so memory stays bounded. A failure of the item read ahead surfaces when it is reached.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = it.next();
      // Awaited on the next turn; not an unhandled rejection if the consumer stops first.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await it.return?.();
  }
}

/** Each item of `source` through `fn`, lazily (one item at a time). */
export async function* mapAsync<T, U>(
  source: AsyncIterable<T>,
  fn: (item: T) => U,
): AsyncGenerator<U> {
  for await (const item of source) yield fn(item);
}
