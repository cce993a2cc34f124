import { isOlderProgress, makeProgressOrder } from "../src/events/progress-order";

const snapshot = (runId: number | null, succeeded: number, failed = 0, done = false) => ({
  runId,
  done,
  notes: { expected: 10, succeeded, failed, running: 0, pending: 0 },
  grades: { expected: 0, succeeded: 0, failed: 0, running: 0, pending: 0 },
});

test("a snapshot with fewer finished jobs of the same run, or of an earlier run, is older", () => {
  expect(isOlderProgress(snapshot(2, 5), snapshot(2, 4))).toBe(true);
  expect(isOlderProgress(snapshot(2, 5), snapshot(2, 4, 1))).toBe(false);
  expect(isOlderProgress(snapshot(2, 5), snapshot(1, 9))).toBe(true);
  expect(isOlderProgress(snapshot(1, 9), snapshot(2, 0))).toBe(false);
  expect(isOlderProgress(snapshot(2, 10, 0, true), snapshot(2, 10, 0, false))).toBe(true);
  expect(isOlderProgress(snapshot(null, 0), snapshot(1, 0))).toBe(false);
});

test("a subscriber's stream drops what is older than what it passed", () => {
  const keep = makeProgressOrder();
  const seen = [snapshot(1, 1), snapshot(1, 3), snapshot(1, 2), snapshot(1, 3), snapshot(1, 10, 0, true), snapshot(1, 10)]
    .filter(keep)
    .map((p) => [p.notes.succeeded, p.done]);
  expect(seen).toEqual([
    [1, false],
    [3, false],
    [3, false],
    [10, true],
  ]);
});
