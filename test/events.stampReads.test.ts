import { STAMP_READ_GAP_MS, StampReads } from "../src/events/stamp-reads";

/** Reads that answer when the test says so, recording when each started. */
function makeReads(answerAfterMs?: number) {
  const started: number[] = [];
  const answers: Array<(value: object) => void> = [];
  const failures: Array<(error: Error) => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const reads = new StampReads(() => {
    const n = started.push(Date.now());
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    return new Promise<object>((resolve, reject) => {
      answers.push((value) => {
        inFlight--;
        resolve(value);
      });
      failures.push((error) => {
        inFlight--;
        reject(error);
      });
      if (answerAfterMs !== undefined) setTimeout(() => answers[n - 1]!({ read: n, startedAt: started[n - 1] }), answerAfterMs);
    });
  });
  return { reads, started, answers, failures, maxInFlight: () => maxInFlight };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

test("the first event after a quiet moment starts its read at once, without waiting for a timer", async () => {
  const { reads, started, answers } = makeReads();
  const first = reads.after(Date.now());
  expect(started).toEqual([Date.now()]); // started within the call
  answers[0]!({ read: 1 });
  await expect(first).resolves.toEqual({ read: 1 });

  // Quiet for longer than the gap: the next event's read starts within the call too.
  jest.setSystemTime(Date.now() + STAMP_READ_GAP_MS);
  const second = reads.after(Date.now());
  expect(started).toHaveLength(2);
  expect(started[1]).toBe(Date.now());
  answers[1]!({ read: 2 });
  await expect(second).resolves.toEqual({ read: 2 });
});

test("a read serves the events published before it started, not those published in its millisecond or after", async () => {
  const { reads, started, answers } = makeReads();
  const first = reads.after(Date.now() - 10);
  expect(reads.after(started[0]! - 1)).toBe(first);
  const sameMillisecond = reads.after(started[0]!);
  expect(sameMillisecond).not.toBe(first);
  answers[0]!({ read: 1 });
  await jest.advanceTimersByTimeAsync(STAMP_READ_GAP_MS);
  expect(started).toHaveLength(2);
  expect(started[1]!).toBeGreaterThan(started[0]!);
  answers[1]!({ read: 2 });
  await expect(sameMillisecond).resolves.toEqual({ read: 2 });
});

test("events arriving during a read share the next one, which starts when the read in flight has ended", async () => {
  const { reads, started, answers } = makeReads();
  void reads.after(Date.now());
  await jest.advanceTimersByTimeAsync(STAMP_READ_GAP_MS * 3);
  const a = reads.after(Date.now());
  const b = reads.after(Date.now());
  expect(b).toBe(a);
  expect(started).toHaveLength(1); // the first read is still in flight: nothing new starts
  answers[0]!({ read: 1 });
  await jest.advanceTimersByTimeAsync(0);
  expect(started).toHaveLength(2); // the gap had passed: it starts as soon as the first one ends
  const published = reads.after(Date.now() - 1); // published before the second read started: served by it
  answers[1]!({ read: 2 });
  await expect(a).resolves.toEqual({ read: 2 });
  await expect(published).resolves.toBe(await a);
  expect(started).toHaveLength(2);
});

test("a burst of events costs one read in flight at a time and at most one read start per gap, each event served by a read that started after it", async () => {
  const { reads, started, maxInFlight } = makeReads(2);
  const served: Array<Promise<{ event: number; readsBefore: number; read: { read: number; startedAt: number } }>> = [];
  const BURST_MS = 200;
  // Ten events a millisecond for BURST_MS, each asking as it arrives.
  for (let ms = 0; ms < BURST_MS; ms++) {
    for (let i = 0; i < 10; i++) {
      const [event, readsBefore] = [Date.now(), started.length];
      served.push(reads.after(event).then((read) => ({ event, readsBefore, read: read as { read: number; startedAt: number } })));
    }
    await jest.advanceTimersByTimeAsync(1);
  }
  await jest.advanceTimersByTimeAsync(STAMP_READ_GAP_MS * 2);
  const results = await Promise.all(served);
  // Started after the event was published, or after it arrived (the call): either sees its commit.
  for (const { event, readsBefore, read } of results) expect(read.startedAt > event || read.read > readsBefore).toBe(true);
  expect(maxInFlight()).toBe(1);
  expect(started.length).toBeLessThanOrEqual(BURST_MS / STAMP_READ_GAP_MS + 2);
  for (let i = 1; i < started.length; i++) expect(started[i]! - started[i - 1]!).toBeGreaterThanOrEqual(STAMP_READ_GAP_MS);
});

test("a failed read fails the events waiting for it and serves nobody later", async () => {
  const { reads, started, answers, failures } = makeReads();
  const first = reads.after(Date.now() - 1);
  failures[0]!(new Error("connection lost"));
  await expect(first).rejects.toThrow("connection lost");
  await jest.advanceTimersByTimeAsync(STAMP_READ_GAP_MS);
  const again = reads.after(Date.now() - 100);
  expect(started).toHaveLength(2);
  answers[1]!({ read: 2 });
  await expect(again).resolves.toEqual({ read: 2 });
});
