/**
 * One publish/subscribe interface for run events and progress. `InMemoryEventBus` serves one
 * process; `PostgresEventBus` (postgres-event-bus.ts) adds delivery to every other process on the
 * same database through LISTEN/NOTIFY, behind the same interface.
 */
export interface EventBus {
  publish(topic: string, payload: unknown): void;
  /** Messages published on the topic from now on, until the iterator is returned (or the signal aborts). */
  subscribe<T>(topic: string): AsyncIterableIterator<T>;
  /** How many subscribers listen on the topic (lets publishers skip building messages nobody reads). */
  listenerCount(topic: string): number;
}

type Listener = (payload: unknown) => void;

export class InMemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(topic: string, payload: unknown): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const listener of set) listener(payload);
  }

  listenerCount(topic: string): number {
    return this.listeners.get(topic)?.size ?? 0;
  }

  /** The topics that have at least one subscriber. */
  topics(): string[] {
    return [...this.listeners.keys()];
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    // An unbounded buffer per subscriber: a slow client must not slow the runner, and events are
    // small; graphql-ws applies WebSocket back-pressure on its side.
    const buffer: T[] = [];
    let wake: ((result: IteratorResult<T>) => void) | undefined;
    let done = false;
    const listener: Listener = (payload) => {
      if (wake) {
        const resolve = wake;
        wake = undefined;
        resolve({ value: payload as T, done: false });
      } else {
        buffer.push(payload as T);
      }
    };
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    const stop = () => {
      done = true;
      const current = this.listeners.get(topic);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(topic);
      wake?.({ value: undefined, done: true });
      wake = undefined;
    };
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

export const topics = {
  experimentEvents: (experimentId: number) => `experiment-events:${experimentId}`,
  experimentProgress: (experimentId: number) => `experiment-progress:${experimentId}`,
};
