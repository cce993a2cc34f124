/**
 * Async iterator helpers that end at once when the consumer stops. An async generator cannot: a
 * `return()` that arrives while it awaits its source waits for the source's next value, so an
 * unsubscribed client would keep its bus listener until the next event came (maybe never).
 */
const DONE: IteratorResult<never> = { value: undefined, done: true };

/** Each value of `source` through `map`; return() is passed straight to the source. */
export function mapIterator<T, U>(source: AsyncIterable<T>, map: (value: T) => U | Promise<U>): AsyncIterableIterator<U> {
  const inner = source[Symbol.asyncIterator]();
  let finished = false;
  const iterator: AsyncIterableIterator<U> = {
    async next() {
      if (finished) return DONE;
      const step = await inner.next();
      if (step.done || finished) return DONE;
      return { value: await map(step.value), done: false };
    },
    async return() {
      finished = true;
      await inner.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** `first()`'s value, then the values of `rest` (subscribed to before first() runs, so nothing is missed). */
export function startWith<T>(first: () => Promise<T>, rest: AsyncIterator<T>): AsyncIterableIterator<T> {
  return startWithAll(async () => [await first()], rest);
}

/** `first()`'s values, then the values of `rest` (subscribed to before first() runs). */
export function startWithAll<T>(first: () => Promise<T[]>, rest: AsyncIterator<T>): AsyncIterableIterator<T> {
  let pendingFirst: Promise<T[]> | undefined = first();
  let queued: T[] = [];
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (finished) return DONE;
      if (pendingFirst) {
        queued = await pendingFirst;
        pendingFirst = undefined;
      }
      if (queued.length > 0) return { value: queued.shift()!, done: false };
      const step = await rest.next();
      return finished ? DONE : step;
    },
    async return() {
      finished = true;
      pendingFirst = undefined;
      queued = [];
      await rest.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The values of `source` that `keep` accepts; return() is passed straight to the source. */
export function filterIterator<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        if (finished) return DONE;
        const step = await inner.next();
        if (step.done || finished) return DONE;
        if (keep(step.value)) return step;
      }
    },
    async return() {
      finished = true;
      await inner.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
