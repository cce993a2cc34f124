/**
 * Batches the loads of one tick into one query (the DataLoader idea, in a few lines): a page of 50
 * results asking for their grades makes one query, not 50. Nothing is cached past its batch, so a
 * subscription that keeps one context for many events never sees stale rows.
 */
export type BatchLoad<K, V> = (key: K) => Promise<V>;

export function makeBatchLoader<K, V>(fetch: (keys: K[]) => Promise<Map<K, V>>, missing: V): BatchLoad<K, V> {
  let pending: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  const cache = new Map<K, Promise<V>>();
  const flush = async () => {
    const batch = pending;
    pending = [];
    cache.clear();
    try {
      const found = await fetch([...new Set(batch.map((p) => p.key))]);
      for (const p of batch) p.resolve(found.get(p.key) ?? missing);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };
  return (key) => {
    const cached = cache.get(key);
    if (cached) return cached;
    const promise = new Promise<V>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ key, resolve, reject });
    });
    cache.set(key, promise);
    return promise;
  };
}
