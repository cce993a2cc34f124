/**
 * Reads of an experiment's progress for the events delivered on a process: each event must carry
 * progress read after its change was committed, and a read per batch of events cost a cross-process
 * p99 of 217 ms against 144 ms before under load (docs/benchmark.md).
 */

/** The least time between two progress reads for events of one topic. */
export const STAMP_READ_GAP_MS = 20;

/**
 * Progress reads for the events of one topic: a read serves every event published before it started;
 * a new one starts at most every STAMP_READ_GAP_MS, so a burst of events costs one read per gap
 * rather than one per batch, for at most that much delay.
 */
export class StampReads {
  private last: { startedAt: number; counts: Promise<object> } | undefined;
  private next: Promise<object> | undefined;

  constructor(private readonly read: () => Promise<object>) {}

  after(publishedAt: number): Promise<object> {
    if (this.last && this.last.startedAt >= publishedAt) return this.last.counts;
    this.next ??= new Promise<void>((resolve) =>
      setTimeout(resolve, Math.max(0, (this.last?.startedAt ?? 0) + STAMP_READ_GAP_MS - Date.now())),
    ).then(() => {
      const startedAt = Date.now();
      const counts = this.read();
      this.last = { startedAt, counts };
      this.next = undefined;
      counts.catch(() => {
        if (this.last?.counts === counts) this.last = undefined; // a failed read serves nobody later
      });
      return counts;
    });
    return this.next;
  }
}
