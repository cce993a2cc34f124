import { STAMP_READ_GAP_MS, StampReads } from "../src/events/stamp-reads";

test("a progress read serves the events published before it started, and reads are at least the gap apart", async () => {
  const started: number[] = [];
  const reads = new StampReads(async () => {
    started.push(Date.now());
    return { n: started.length };
  });
  const first = await reads.after(Date.now());
  // Published before that read started: served by it, no new read.
  expect(await reads.after(started[0]! - 1)).toBe(first);
  // Published after: a new read, no sooner than the gap; concurrent askers share it.
  const later = Date.now() + 1;
  while (Date.now() < later) await new Promise((r) => setImmediate(r));
  const [a, b] = await Promise.all([reads.after(later), reads.after(later)]);
  expect(a).toEqual({ n: 2 });
  expect(b).toBe(a);
  expect(started).toHaveLength(2);
  expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(STAMP_READ_GAP_MS - 1);
});
