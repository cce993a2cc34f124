/**
 * Progress read at different moments, on different processes, reaches a subscriber out of order
 * (a read that started earlier may answer later). Within a run finished jobs only ever grow, so a
 * snapshot with fewer of them than one already sent is older, and is dropped.
 */

/** What ordering reads of a progress snapshot. */
export interface Snapshot {
  runId: number | null;
  done: boolean;
  notes: { succeeded: number; failed: number };
  grades: { succeeded: number; failed: number };
}

const finished = (p: Snapshot) => p.notes.succeeded + p.notes.failed + p.grades.succeeded + p.grades.failed;

/** True when `next` is older than `previous`: an earlier run, fewer finished jobs, or no longer done with as many. */
export function isOlderProgress(previous: Snapshot, next: Snapshot): boolean {
  if ((next.runId ?? 0) !== (previous.runId ?? 0)) return (next.runId ?? 0) < (previous.runId ?? 0);
  const [a, b] = [finished(previous), finished(next)];
  return b < a || (b === a && previous.done && !next.done);
}

/** A predicate for one subscriber's stream: passes each snapshot unless it is older than the last one passed. */
export function makeProgressOrder(): (next: Snapshot) => boolean {
  let last: Snapshot | undefined;
  return (next) => {
    if (last && isOlderProgress(last, next)) return false;
    last = next;
    return true;
  };
}
