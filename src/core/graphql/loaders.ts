import DataLoader from 'dataloader';

type WithLoaders = { loaders?: Map<string, DataLoader<string, unknown>> };

/**
 * One DataLoader per request and name: nested fields batch into one query per level instead of one
 * per parent (no N+1). Loaders live on the request object, so nothing leaks between requests.
 */
export function loaderFor<V>(
  req: object,
  name: string,
  batch: (keys: readonly string[]) => Promise<V[]>,
): DataLoader<string, V> {
  const holder = req as WithLoaders;
  holder.loaders ??= new Map();
  let loader = holder.loaders.get(name) as DataLoader<string, V> | undefined;
  if (!loader) {
    loader = new DataLoader<string, V>(batch, { maxBatchSize: 500 });
    holder.loaders.set(name, loader);
  }
  return loader;
}
