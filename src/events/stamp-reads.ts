/**
 * Reads of an experiment's progress for the events delivered on a process: each event must carry
 * progress read after its change was committed, and a burst of events must not become a burst of
 * reads (what the alternatives cost: docs/benchmark.md).
 */

/** The least time between the starts of two progress reads for events of one topic. */
export const STAMP_READ_GAP_MS = 5;

interface Read {
  startedAt: number;
  counts: Promise<object>;
  settled: boolean;
}

/**
 * Progress reads for the events of one topic, at most one in flight:
 *
 * - A read serves every event that had arrived when it started (its commit came before its
 *   notification, and this process's own events are published after their commit), and every event
 *   published before it started (strictly before: `at` has millisecond precision, and a read started
 *   in the same millisecond may have begun before the commit).
 * - An event that no read serves starts one at once when none is in flight and the last one started
 *   at least STAMP_READ_GAP_MS ago (the first event after a quiet moment waits for no timer).
 * - Otherwise it waits for the next read, which every event arriving meanwhile shares: it starts
 *   when the read in flight has ended and the gap has passed.
 *
 * So however many events arrive, a topic costs at most one read in flight and one read start per
 * STAMP_READ_GAP_MS, and an event waits at most for the end of the read in flight, the rest of the
 * gap, and its own read. A failed read serves nobody later: its waiters get its error.
 */
export class StampReads {
  private latest: Read | undefined;
  private next: Promise<object> | undefined;

  constructor(private readonly read: () => Promise<object>) {}

  after(publishedAt: number): Promise<object> {
    const latest = this.latest;
    if (latest && latest.startedAt > publishedAt) return latest.counts;
    if (this.next) return this.next;
    if (!latest || (latest.settled && Date.now() >= latest.startedAt + STAMP_READ_GAP_MS)) return this.start();
    this.next = latest.counts
      .catch(() => undefined)
      .then(async () => {
        const wait = latest.startedAt + STAMP_READ_GAP_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<object> {
    const read: Read = { startedAt: Date.now(), counts: this.read(), settled: false };
    this.latest = read;
    read.counts.then(
      () => (read.settled = true),
      () => {
        read.settled = true;
        if (this.latest === read) this.latest = undefined;
      },
    );
    return read.counts;
  }
}
