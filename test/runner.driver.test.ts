/**
 * The run driver's state machine against an in-memory job store and fake strategies: no database,
 * no vendor, so that the awkward interleavings (a stop while a claim is in flight, one pool's claim
 * failing while the other's is in flight) can be set up exactly.
 */
import { RunStatus } from "../entities/job-status";
import { InMemoryEventBus } from "../src/events/event-bus";
import { makeLogger } from "../src/logger";
import type { JobStrategies } from "../src/runner/job-strategy";
import type { GradeOutcome, NoteOutcome } from "../src/runner/job-store";
import { RunDriver, StopRunError } from "../src/runner/run-driver";
import type { JobKind, Progress } from "../src/runner/types";
import { MemoryJobStore } from "./support/memory-job-store";

const EXPERIMENT = 1;
const RUN = 7;

const NOTE_OUTCOME = { inputTokens: 1, outputTokens: 1, costUsd: 0 } as NoteOutcome;
const GRADE_OUTCOME = { inputTokens: 1, outputTokens: 1, costUsd: 0 } as GradeOutcome;

type Attempt = (kind: JobKind, jobId: number, signal: AbortSignal) => Promise<void>;

function emptyProgress(): Progress {
  const counts = () => ({ expected: 0, succeeded: 0, failed: 0, running: 0, pending: 0 });
  return {
    experimentId: EXPERIMENT,
    runId: RUN,
    runStatus: RunStatus.running,
    notes: counts(),
    grades: counts(),
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    unpriced: 0,
    budgetUsd: null,
    spentUsd: null,
    elapsedMs: 0,
    limits: [],
    etaMs: null,
    done: false,
    at: 0,
  };
}

/** A promise and its resolver, to hold something in flight until the test lets it go. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { wait: () => opened, open };
}

/** Waits on a real timer: proves the event loop still turns (a microtask loop would starve it). */
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the signal aborts (a call that only ends when cut). */
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));

/** A database that can go down: errors marked `unavailable` mean an outage, `up()` ends it. */
class FakeDatabase {
  private waiters: (() => void)[] = [];
  down = false;
  isUnavailable = (error: unknown) => {
    const outage = (error as { unavailable?: boolean }).unavailable === true;
    if (outage) this.down = true;
    return outage;
  };
  whenUp = () => (this.down ? new Promise<void>((r) => this.waiters.push(r)) : Promise.resolve());
  up(): void {
    this.down = false;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

const outage = () => Object.assign(new Error("Connection terminated unexpectedly"), { unavailable: true });

function makeDriver(
  store: MemoryJobStore,
  attempt: Attempt,
  options = { workers: 2, maxAttempts: 3, retryFailed: false },
  database = new FakeDatabase(),
  outageGraceMs = 10_000,
) {
  const attempts: string[] = [];
  const strategies: JobStrategies = {
    note: {
      kind: "note",
      resultIdOf: (job) => job.id,
      gradesLostOnFailure: (job) => job.plannedGrades,
      attempt: async (job, signal) => {
        attempts.push(`note ${job.id}`);
        await attempt("note", job.id, signal);
        return NOTE_OUTCOME;
      },
      completed: (done) => ({ row: done.result, planned: done.newGrades > 0 ? "grade" : null }),
    },
    grade: {
      kind: "grade",
      resultIdOf: (job) => job.experimentResultId,
      gradesLostOnFailure: () => 0,
      attempt: async (job, signal) => {
        attempts.push(`grade ${job.id}`);
        await attempt("grade", job.id, signal);
        return GRADE_OUTCOME;
      },
      completed: (row) => ({ row, planned: null }),
    },
  };
  const driver = new RunDriver(
    {
      store,
      strategies,
      database,
      outageGraceMs,
      bus: new InMemoryEventBus(),
      logger: makeLogger("silent"),
      heartbeatMs: 1000,
      pollMs: 30,
      onChange: () => undefined,
    },
    EXPERIMENT,
    RUN,
    options,
    emptyProgress(),
    Date.now(),
  );
  return { driver, attempts };
}

const succeed: Attempt = async () => undefined;

describe("RunDriver", () => {
  test("works off every note and the grades each note plans, then settles finished", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 5; i++) store.addNote(EXPERIMENT, 2);
    const { driver, attempts } = makeDriver(store, succeed);
    expect(await driver.drive()).toEqual({ status: RunStatus.finished, error: null });
    expect(driver.modeName).toBe("settled");
    expect(store.of("note", "succeeded")).toHaveLength(5);
    expect(store.of("grade", "succeeded")).toHaveLength(10);
    expect(attempts).toHaveLength(15);
  });

  test("a stop while a claim is in flight settles once the claim is back, handing its jobs back unstarted", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 3; i++) store.addNote(EXPERIMENT, 1);
    const noteClaim = gate();
    const gradeClaim = gate();
    store.claimGate = { note: noteClaim.wait, grade: gradeClaim.wait };
    const { driver, attempts } = makeDriver(store, succeed);
    const outcome = driver.drive();
    driver.cancel();
    // Both pools are idle and both claims are in flight: the driver waits for them without spinning.
    await tick();
    expect(driver.modeName).toBe("draining");
    noteClaim.open();
    await tick();
    expect(driver.modeName).toBe("draining");
    gradeClaim.open();
    expect(await outcome).toEqual({ status: RunStatus.cancelled, error: null });
    expect(attempts).toEqual([]);
    expect(store.of("note", "planned")).toHaveLength(3);
    expect(store.of("note", "planned").every((j) => j.errors.length === 0)).toBe(true);
  });

  test("a claim that fails while the other kind's claim is in flight fails the run once that claim is back", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 3; i++) store.addNote(EXPERIMENT, 1);
    const noteClaim = gate();
    store.claimGate = { note: noteClaim.wait };
    store.claimError = { grade: new Error("connection reset") };
    const { driver, attempts } = makeDriver(store, succeed);
    const outcome = driver.drive();
    await tick();
    expect(driver.modeName).toBe("draining");
    noteClaim.open();
    expect(await outcome).toEqual({ status: RunStatus.failed, error: "database error: connection reset" });
    expect(attempts).toEqual([]);
    expect(store.of("note", "planned")).toHaveLength(3);
    expect(store.of("note", "running")).toHaveLength(0);
  });

  test("a job's failed attempts count across runs: two earlier failures leave one attempt of three", async () => {
    const store = new MemoryJobStore();
    const job = store.addNote(EXPERIMENT, 0, { failedAttempts: 2, attempts: 2 });
    const { driver, attempts } = makeDriver(store, async () => {
      throw new Error("vendor says no");
    });
    expect((await driver.drive()).status).toBe(RunStatus.finished);
    expect(attempts).toEqual([`note ${job.id}`]);
    expect(job).toMatchObject({ status: "failed", failedAttempts: 3 });
  });

  test("a job whose budget is already used up ends failed without a call", async () => {
    const store = new MemoryJobStore();
    const job = store.addNote(EXPERIMENT, 0, { failedAttempts: 3, attempts: 3 });
    const { driver, attempts } = makeDriver(store, succeed, { workers: 1, maxAttempts: 2, retryFailed: false });
    expect((await driver.drive()).status).toBe(RunStatus.finished);
    expect(attempts).toEqual([]);
    expect(job).toMatchObject({ status: "failed", failedAttempts: 3 });
    expect(job.errors.at(-1)?.message).toContain("no attempt left");
  });

  test("an attempt cut short by a cancel is recorded but does not count against the budget", async () => {
    const store = new MemoryJobStore();
    const job = store.addNote(EXPERIMENT, 0, { failedAttempts: 1 });
    const { driver } = makeDriver(store, (_kind, _id, signal) => untilAborted(signal));
    const outcome = driver.drive();
    while (store.of("note", "running").length === 0) await tick(1);
    await tick();
    driver.cancel();
    expect((await outcome).status).toBe(RunStatus.cancelled);
    expect(job).toMatchObject({ status: "planned", failedAttempts: 1 });
    expect(job.errors).toEqual([expect.objectContaining({ attempt: 2, kind: "interrupted" })]);
  });

  test("drain lets calls in flight finish within the grace period", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 4; i++) store.addNote(EXPERIMENT, 0);
    const calls = gate();
    const { driver } = makeDriver(store, () => calls.wait());
    void driver.drive();
    while (store.of("note", "running").length < 2) await tick(1);
    const drained = driver.drain(5_000);
    await tick();
    calls.open();
    expect(await drained).toEqual({ status: RunStatus.interrupted, error: "the server shut down" });
    expect(store.of("note", "succeeded")).toHaveLength(2);
    expect(store.of("note", "planned")).toHaveLength(2);
  });

  test("a later stop shortens the grace of an earlier one: a shutdown during a budget stop's 10 minutes cuts the calls", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 2; i++) store.addNote(EXPERIMENT, 0);
    const { driver } = makeDriver(store, (_kind, _id, signal) => untilAborted(signal));
    const outcome = driver.drive();
    while (store.of("note", "running").length < 2) await tick(1);
    driver.stop(RunStatus.paused, "paused before passing the budget", 10 * 60_000);
    await tick();
    expect(store.of("note", "running")).toHaveLength(2); // paid for: they may finish
    driver.stop(RunStatus.interrupted, "the server shut down", 30);
    // The first stop decides the status; the calls are cut at the second's grace, not the first's.
    expect(await outcome).toEqual({ status: RunStatus.paused, error: "paused before passing the budget" });
    expect(store.of("note", "planned")).toHaveLength(2);
    for (const job of store.of("note", "planned")) expect(job.errors).toEqual([expect.objectContaining({ kind: "interrupted" })]);
  });

  test("a strategy's StopRunError stops the run with its status and reason, and the attempt does not count", async () => {
    const store = new MemoryJobStore();
    const job = store.addNote(EXPERIMENT, 0);
    store.addNote(EXPERIMENT, 0);
    const { driver } = makeDriver(
      store,
      async () => {
        throw new StopRunError(RunStatus.failed, "the vendor refused the API key");
      },
      { workers: 1, maxAttempts: 3, retryFailed: false },
    );
    expect(await driver.drive()).toEqual({ status: RunStatus.failed, error: "the vendor refused the API key" });
    expect(job).toMatchObject({ status: "planned", failedAttempts: 0 });
    expect(store.of("note", "planned")).toHaveLength(2);
  });

  test("waits while another process holds the last jobs, and takes over those whose lease runs out", async () => {
    const store = new MemoryJobStore();
    const held = store.addNote(EXPERIMENT, 0, { status: "running", owner: "other", runId: RUN });
    const { driver, attempts } = makeDriver(store, succeed);
    const outcome = driver.drive();
    while (driver.modeName !== "waiting") await tick(1);
    held.leaseExpired = true; // the other process died
    expect(await outcome).toEqual({ status: RunStatus.finished, error: null });
    expect(attempts).toEqual([`note ${held.id}`]);
    expect(held.status).toBe("succeeded");
  });

  test("a database outage pauses dispatch, keeps the outcomes of calls in flight, and the run finishes once it is back", async () => {
    const store = new MemoryJobStore();
    for (let i = 0; i < 4; i++) store.addNote(EXPERIMENT, 0);
    const database = new FakeDatabase();
    const calls = gate();
    const { driver, attempts } = makeDriver(
      store,
      () => calls.wait(),
      { workers: 2, maxAttempts: 3, retryFailed: false },
      database,
    );
    const outcome = driver.drive();
    while (store.of("note", "running").length < 2) await tick(1);
    // Postgres goes away: the two calls in flight end, their writes fail, and no claim is made.
    const complete = store.complete.bind(store);
    store.complete = async (...args) => {
      if (database.down) throw outage();
      return complete(...args);
    };
    store.claimError = { note: outage(), grade: outage() };
    database.down = true;
    calls.open();
    while (driver.modeName !== "outage") await tick(1);
    await tick(50);
    expect(attempts).toHaveLength(2);
    expect(store.of("note", "succeeded")).toHaveLength(0);
    store.claimError = {};
    database.up();
    expect(await outcome).toEqual({ status: RunStatus.finished, error: null });
    expect(attempts).toHaveLength(4); // the two outcomes written after the outage, not made again
    expect(store.of("note", "succeeded")).toHaveLength(4);
  });

  test("an outage longer than the grace leaves the run interrupted, recorded once the database is back", async () => {
    const store = new MemoryJobStore();
    store.addNote(EXPERIMENT, 0);
    const database = new FakeDatabase();
    store.claimError = { note: outage() };
    const { driver } = makeDriver(store, succeed, { workers: 1, maxAttempts: 3, retryFailed: false }, database, 50);
    expect(await driver.drive()).toEqual({
      status: RunStatus.interrupted,
      error: "the database was unavailable for more than 50 ms",
    });
  });

  test("a stop while waiting settles at once", async () => {
    const store = new MemoryJobStore();
    store.addNote(EXPERIMENT, 0, { status: "running", owner: "other", runId: RUN });
    const { driver } = makeDriver(store, succeed);
    const outcome = driver.drive();
    while (driver.modeName !== "waiting") await tick(1);
    driver.cancel();
    expect((await outcome).status).toBe(RunStatus.cancelled);
  });
});
