/**
 * Drives one run in this process: a note pool and a grade pool of `workers` jobs each, fed by claims
 * from the job store, each job worked by one loop (`runJob`) over its kind's strategy.
 *
 * The driver is always in exactly one of these modes:
 *
 * - starting: built, `drive()` not called yet.
 * - dispatching: every pool with free slots whose claim is `ready` claims that many planned jobs and
 *   starts them. When both pools are idle (no job in flight) and their last claims came back short
 *   (`exhausted`), the driver goes settling.
 * - settling: it returns expired leases (a dead process's jobs) to planned and counts the
 *   experiment's unfinished jobs. None left: settled, `finished`. Some planned, or a pool was poked
 *   meanwhile: dispatching. Only running ones (another process holds them): waiting.
 * - waiting: every unfinished job is another process's; after `pollMs` (or at once on a poke) it
 *   goes dispatching again.
 * - outage: the database is unavailable (a lost connection, a restarting Postgres). No claims;
 *   calls in flight go on, and their writes wait for the database. When it is back: dispatching.
 *   When the outage outlasts `outageGraceMs`: draining, `interrupted` (written once the database
 *   answers again; the runner then resumes the run).
 * - draining: a stop was asked (cancel, shutdown, a failure, or a strategy's StopRunError). No more
 *   claims; jobs a claim in flight brings back go straight back to planned; calls in flight are
 *   aborted at once, or after the stop's grace period. Once no claim and no job is in flight:
 *   settled, with the stop's status.
 * - settled: the outcome is decided and `drive()` resolves with it. Final.
 *
 * A pool's claim is one of: ready (may claim when it has free slots), claiming, claiming_outdated
 * (a claim in flight started before more jobs of its kind were planned, so a short answer does not
 * mean there are none), exhausted (the last claim found fewer jobs than it asked for; a job ending
 * or a poke makes the pool ready again).
 *
 * Every transition is in `advance()` or in the handlers that call it (a claim came back, a count came
 * back, a stop); no handler waits for another in a loop, so a stop while a claim is in flight settles
 * when that claim comes back, not before.
 */
import { setMaxListeners } from "node:events";
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { AttemptError } from "../../entities/job-columns";
import { RunStatus } from "../../entities/job-status";
import type { EventBus } from "../events/event-bus";
import { topics } from "../events/event-bus";
import { GeneratorError } from "../generators";
import { LlmError } from "../llm";
import type { Logger } from "../logger";
import type { JobStrategies, JobStrategy } from "./job-strategy";
import type { JobRow, JobStore, UnfinishedJobs } from "./job-store";
import type { RunOptions } from "./plan";
import { ProgressTracker } from "./progress-tracker";
import type { DriveOutcome, EndStatus, JobEventType, JobKind, JobOfKind, Progress, RunEvent } from "./types";
import { JOB_KINDS, unreachable } from "./types";

/**
 * How long the calls in flight when a run pauses (a budget, a quota) may finish: they are paid for
 * (reserved under the budget), and each is bounded by the LLM timeouts anyway. A shutdown or a
 * cancel meanwhile cuts them at its own grace (RunDriver.stop).
 */
export const PAID_CALLS_GRACE_MS = 10 * 60_000;

/**
 * Thrown by a strategy's attempt to stop the whole run (e.g. a refused API key): the attempt does not
 * count. `graceMs` lets the other calls in flight finish for that long (a budget stop: they are paid for).
 */
export class StopRunError extends Error {
  constructor(
    readonly status: EndStatus,
    message: string,
    readonly graceMs = 0,
  ) {
    super(message);
  }
}

/** The LLM layer decides which failures stop the whole run (a refused key, an exhausted quota). */
function runStopOf(error: unknown): StopRunError | null {
  if (!(error instanceof LlmError) || !error.stopsRun) return null;
  const status = error.stopsRun.status === "paused" ? RunStatus.paused : RunStatus.failed;
  return new StopRunError(status, error.stopsRun.reason);
}

/** How the driver tells a database outage from other errors, and learns that it is over. */
export interface DatabaseHealth {
  /** True when the error means the database cannot serve us now (connection lost, restarting, ...). */
  isUnavailable(error: unknown): boolean;
  /** Resolves once the database answers again (at once when it does). */
  whenUp(): Promise<void>;
}

/** The error of a run interrupted by a database outage (the runner resumes such runs by itself). */
export const OUTAGE_ERROR_PREFIX = "the database was unavailable for more than";

export interface DriverDeps {
  store: JobStore;
  database: DatabaseHealth;
  /** How long dispatch stays paused by a database outage before the run is left interrupted. */
  outageGraceMs: number;
  strategies: JobStrategies;
  bus: EventBus;
  logger: Logger;
  /** How often the driver extends its jobs' leases. */
  heartbeatMs: number;
  /** How long the driver waits before looking again when other processes hold every unfinished job. */
  pollMs: number;
  /** Called on every state change so that throttled progress subscribers know to refresh. */
  onChange: (experimentId: number) => void;
}

type ClaimState = "ready" | "claiming" | "claiming_outdated" | "exhausted";

interface Pool {
  claim: ClaimState;
  /** Jobs started and not yet ended (or being handed back), i.e. slots taken. */
  busy: number;
}

type Mode =
  | { name: "starting" }
  | { name: "dispatching" }
  | { name: "settling" }
  | { name: "waiting"; timer: NodeJS.Timeout }
  | { name: "outage"; graceTimer: NodeJS.Timeout }
  | { name: "draining"; outcome: DriveOutcome; graceTimer: NodeJS.Timeout | undefined; abortAt: number }
  | { name: "settled"; outcome: DriveOutcome };

export type ModeName = Mode["name"];

function describeError(error: unknown): { kind: string; message: string } {
  if (error instanceof LlmError || error instanceof GeneratorError) return { kind: error.kind, message: error.message };
  return { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class RunDriver {
  private mode: Mode = { name: "starting" };
  private readonly pools: Record<JobKind, Pool> = {
    note: { claim: "ready", busy: 0 },
    grade: { claim: "ready", busy: 0 },
  };
  private readonly abort = new AbortController();
  private readonly tracker: ProgressTracker;
  private heartbeat: NodeJS.Timeout | undefined;
  private settle!: (outcome: DriveOutcome) => void;
  private readonly outcome: Promise<DriveOutcome>;

  constructor(
    private readonly deps: DriverDeps,
    readonly experimentId: number,
    readonly runId: number,
    private readonly options: RunOptions,
    initialProgress: Progress,
    startedAt: number,
  ) {
    this.tracker = new ProgressTracker(initialProgress, startedAt);
    // Every call in flight listens on the run's signal: with many workers that is many listeners.
    setMaxListeners(0, this.abort.signal);
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  /** The current mode's name (for tests and logs). */
  get modeName(): ModeName {
    return this.mode.name;
  }

  progress(): Progress {
    return this.tracker.snapshot();
  }

  /** Starts the pools; resolves with how the run ended here. */
  drive(): Promise<DriveOutcome> {
    if (this.mode.name === "starting") {
      this.mode = { name: "dispatching" };
      this.heartbeat = setInterval(() => void this.beat(), this.deps.heartbeatMs);
      this.heartbeat.unref();
      this.advance();
    }
    return this.outcome;
  }

  cancel(): void {
    this.stop(RunStatus.cancelled, null);
  }

  /** Stops claiming, lets calls in flight finish for up to graceMs, then aborts the rest; the run is left interrupted. */
  drain(graceMs: number): Promise<DriveOutcome> {
    this.stop(RunStatus.interrupted, "the server shut down", graceMs);
    return this.outcome;
  }

  /**
   * Stops the run with a status and a reason (recorded as the run's error): no more claims, calls
   * in flight aborted now or after graceMs. The first stop decides the status; a later one may only
   * cut the grace short.
   */
  stop(status: EndStatus, error: string | null, graceMs = 0): void {
    switch (this.mode.name) {
      case "settled":
        return;
      case "draining": {
        // A later stop may cut the grace short (a SIGTERM, or a cancel, during a budget stop's grace).
        const abortAt = Date.now() + graceMs;
        if (abortAt >= this.mode.abortAt) return;
        clearTimeout(this.mode.graceTimer);
        this.mode.abortAt = abortAt;
        this.mode.graceTimer = this.abortCallsIn(graceMs);
        return;
      }
      case "waiting":
        clearTimeout(this.mode.timer);
        break;
      case "outage":
        clearTimeout(this.mode.graceTimer);
        break;
      case "starting":
      case "dispatching":
      case "settling":
        break;
      default:
        unreachable(this.mode);
    }
    const draining: Mode & { name: "draining" } = {
      name: "draining",
      outcome: { status, error },
      graceTimer: undefined,
      abortAt: Date.now() + graceMs,
    };
    this.mode = draining;
    draining.graceTimer = this.abortCallsIn(graceMs);
    this.advance();
  }

  /** Aborts the calls in flight after graceMs, or now when it is 0; the timer, to cut it shorter. */
  private abortCallsIn(graceMs: number): NodeJS.Timeout | undefined {
    if (graceMs > 0) return setTimeout(() => this.abortCalls(), graceMs);
    this.abortCalls();
    return undefined;
  }

  /** New jobs of this kind may have been planned: its pool claims again. */
  poke(kind: JobKind): void {
    const pool = this.pools[kind];
    if (pool.claim === "exhausted") pool.claim = "ready";
    else if (pool.claim === "claiming") pool.claim = "claiming_outdated";
    if (this.mode.name === "waiting") {
      clearTimeout(this.mode.timer);
      this.mode = { name: "dispatching" };
    }
    this.advance();
  }

  /** The one place that moves the driver on from the current mode. */
  private advance(): void {
    const mode = this.mode;
    switch (mode.name) {
      case "starting":
      case "settling":
      case "waiting":
      case "outage":
      case "settled":
        return;
      case "dispatching": {
        for (const kind of JOB_KINDS) {
          const pool = this.pools[kind];
          const free = this.options.workers - pool.busy;
          if (pool.claim === "ready" && free > 0) this.claim(kind, free);
        }
        if (JOB_KINDS.every((k) => this.pools[k].claim === "exhausted" && this.pools[k].busy === 0)) {
          this.mode = { name: "settling" };
          void this.count();
        }
        return;
      }
      case "draining": {
        const idle = JOB_KINDS.every((k) => this.pools[k].busy === 0 && !this.claimInFlight(k));
        if (!idle) return;
        clearTimeout(mode.graceTimer);
        this.finish(mode.outcome);
        return;
      }
      default:
        unreachable(mode);
    }
  }

  private claimInFlight(kind: JobKind): boolean {
    const { claim } = this.pools[kind];
    return claim === "claiming" || claim === "claiming_outdated";
  }

  private finish(outcome: DriveOutcome): void {
    this.mode = { name: "settled", outcome };
    clearInterval(this.heartbeat);
    this.abortCalls();
    this.settle(outcome);
  }

  private abortCalls(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new Error(`run ${this.runId} stopped`));
  }

  private claim(kind: JobKind, free: number): void {
    this.pools[kind].claim = "claiming";
    this.deps.store.claim(kind, this.experimentId, this.runId, free).then(
      (jobs) => this.onClaimed(kind, jobs, free),
      (error) => this.onStoreError(error, kind),
    );
  }

  private onClaimed<K extends JobKind>(kind: K, jobs: JobOfKind[K][], asked: number): void {
    const pool = this.pools[kind];
    pool.claim = jobs.length < asked && pool.claim !== "claiming_outdated" ? "exhausted" : "ready";
    if (jobs.length > 0) {
      this.tracker.claimed(kind, jobs.length);
      pool.busy += jobs.length;
      if (this.mode.name === "draining" || this.mode.name === "settled") {
        void this.handBack(kind, jobs);
      } else {
        for (const job of jobs) {
          this.emit(kind, "queued", job, null);
          void this.runJob(kind, job);
        }
      }
    }
    this.advance();
  }

  /** Jobs a claim brought back after a stop: planned again, unstarted. */
  private async handBack<K extends JobKind>(kind: K, jobs: JobOfKind[K][]): Promise<void> {
    try {
      const ids = jobs.map((j) => j.id);
      const released = await this.write(() => this.deps.store.release(kind, this.runId, ids, null));
      this.tracker.released(kind, released);
    } catch (error) {
      this.deps.logger.warn(`run ${this.runId}: could not hand back ${jobs.length} ${kind} job(s): ${messageOf(error)}`);
    } finally {
      this.pools[kind].busy -= jobs.length;
      this.advance();
    }
  }

  private onStoreError(error: unknown, kind?: JobKind): void {
    if (kind && this.claimInFlight(kind)) this.pools[kind].claim = "ready";
    if (this.deps.database.isUnavailable(error)) {
      this.pause();
      this.advance();
      return;
    }
    if (this.mode.name !== "draining" && this.mode.name !== "settled")
      this.deps.logger.error(`run ${this.runId} stopped on a database error`, error);
    this.stop(RunStatus.failed, `database error: ${messageOf(error)}`);
  }

  private async count(): Promise<void> {
    let unfinished: UnfinishedJobs;
    try {
      const reaped = await this.deps.store.reap(this.experimentId);
      if (reaped > 0)
        this.deps.logger.info(`run ${this.runId}: ${reaped} job(s) of a process that stopped answering planned again`);
      unfinished = await this.deps.store.countUnfinished(this.experimentId);
    } catch (error) {
      this.onStoreError(error);
      return;
    }
    if (this.mode.name !== "settling") return; // a stop came meanwhile
    if (unfinished.planned === 0 && unfinished.running === 0) {
      this.finish({ status: RunStatus.finished, error: null });
      return;
    }
    const poked = JOB_KINDS.some((k) => this.pools[k].claim === "ready");
    if (unfinished.planned > 0 || poked) {
      this.dispatchAgain();
    } else {
      const timer = setTimeout(() => {
        if (this.mode.name === "waiting") this.dispatchAgain();
      }, this.deps.pollMs);
      this.mode = { name: "waiting", timer };
    }
  }

  /** The database is unavailable: no claims until it is back (or the grace runs out). */
  private pause(): void {
    switch (this.mode.name) {
      case "waiting":
        clearTimeout(this.mode.timer);
        break;
      case "dispatching":
      case "settling":
        break;
      case "starting":
      case "outage":
      case "draining":
      case "settled":
        return; // draining: its writes wait for the database by themselves
      default:
        unreachable(this.mode);
    }
    const graceMs = this.deps.outageGraceMs;
    const graceTimer = setTimeout(() => {
      const reason = `${OUTAGE_ERROR_PREFIX} ${graceMs} ms`;
      this.deps.logger.warn(`run ${this.runId}: ${reason}: interrupted here, to be recorded and resumed once it is back`);
      this.stop(RunStatus.interrupted, reason);
    }, graceMs);
    this.mode = { name: "outage", graceTimer };
    this.deps.logger.warn(`run ${this.runId}: database unavailable, dispatch paused`);
    void this.deps.database.whenUp().then(() => {
      if (this.mode.name !== "outage") return;
      clearTimeout(this.mode.graceTimer);
      this.deps.logger.info(`run ${this.runId}: database back, dispatching again`);
      this.dispatchAgain();
    });
  }

  /** A job write: while the database is unavailable it waits for it and tries again, so that no outcome is lost. */
  private async write<T>(op: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await op();
      } catch (error) {
        if (!this.deps.database.isUnavailable(error)) throw error;
        this.pause();
        await this.deps.database.whenUp();
      }
    }
  }

  private dispatchAgain(): void {
    for (const kind of JOB_KINDS) if (this.pools[kind].claim === "exhausted") this.pools[kind].claim = "ready";
    this.mode = { name: "dispatching" };
    this.advance();
  }

  /** One job, attempt after attempt until it succeeds, its budget is used up, or the run stops. */
  private async runJob<K extends JobKind>(kind: K, job: JobOfKind[K]): Promise<void> {
    const strategy = this.deps.strategies[kind] as JobStrategy<K>;
    const { store } = this.deps;
    const startedAt = Date.now();
    try {
      for (let attempt = job.failedAttempts + 1, first = true; ; attempt++, first = false) {
        if (this.abort.signal.aborted) return await this.releaseCutShort(kind, job, attempt, "the run stopped");
        const exhausted = attempt > this.options.maxAttempts;
        let outcome;
        if (!exhausted) {
          this.emit(kind, first ? "started" : "retrying", job, null, attempt);
          try {
            outcome = await strategy.attempt(job, this.abort.signal, startedAt, attempt);
          } catch (error) {
            const stopRun = error instanceof StopRunError ? error : runStopOf(error);
            if (stopRun) {
              this.stop(stopRun.status, stopRun.message, stopRun.graceMs);
              return await this.releaseCutShort(kind, job, attempt, stopRun.message);
            }
            if (this.abort.signal.aborted) return await this.releaseCutShort(kind, job, attempt, "the run stopped");
            const final = attempt >= this.options.maxAttempts;
            if (!(await this.recordFailure(kind, job, attempt, error, final, startedAt))) return;
            if (final) return;
            continue;
          }
        } else {
          // Earlier runs used the whole budget (maxAttempts is lower now): the job ends failed, no call made.
          const message = `no attempt left: ${job.failedAttempts} failed attempt(s) already, maxAttempts is ${this.options.maxAttempts}`;
          await this.recordFailure(kind, job, attempt, new Error(message), true, startedAt, false);
          return;
        }
        const done = await this.write(() => store.complete(kind, job.id, this.runId, outcome));
        if (!done) return this.lost(kind, job);
        this.tracker.spent(outcome.inputTokens, outcome.outputTokens, outcome.costUsd);
        this.tracker.succeeded(kind);
        const { row, planned } = strategy.completed(done);
        this.emit(kind, "succeeded", job, row, attempt);
        if (planned) this.poke(planned);
        return;
      }
    } catch (error) {
      this.onStoreError(error);
    } finally {
      const pool = this.pools[kind];
      pool.busy -= 1;
      if (pool.claim === "exhausted") pool.claim = "ready";
      this.advance();
    }
  }

  /**
   * Keeps a failed attempt (error and spend on the row, counted against the budget); `final` ends the
   * job failed. False when the job is no longer ours. Database errors propagate.
   */
  private async recordFailure<K extends JobKind>(
    kind: K,
    job: JobOfKind[K],
    attempt: number,
    error: unknown,
    final: boolean,
    startedAt: number,
    counted = true,
  ): Promise<boolean> {
    const { kind: errorKind, message } = describeError(error);
    const usage = error instanceof LlmError ? error.usage : undefined;
    const spend = {
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
      costUsd: usage ? usage.costUsd : 0,
    };
    const attemptError: AttemptError = {
      attempt: counted ? attempt : attempt - 1,
      at: new Date().toISOString(),
      kind: errorKind,
      message,
    };
    const failure = { error: attemptError, spend, final, durationMs: Date.now() - startedAt, counted };
    const row = await this.write(() => this.deps.store.fail(kind, job.id, this.runId, failure));
    if (!row) {
      this.lost(kind, job);
      return false;
    }
    this.tracker.spent(spend.inputTokens, spend.outputTokens, spend.costUsd);
    if (!final) {
      this.deps.logger.debug(`${kind} job ${job.id} attempt ${attempt} failed (${errorKind}): ${message}`);
      return true;
    }
    this.tracker.failed(kind, (this.deps.strategies[kind] as JobStrategy<K>).gradesLostOnFailure(job));
    this.emit(kind, "failed", job, row, attempt, message);
    return true;
  }

  /** The attempt under way was cut short: the job goes back to planned, the attempt recorded but not counted. */
  private async releaseCutShort<K extends JobKind>(kind: K, job: JobOfKind[K], attempt: number, why: string): Promise<void> {
    const cutShort: AttemptError = { attempt, at: new Date().toISOString(), kind: "interrupted", message: `cut short: ${why}` };
    const released = await this.write(() => this.deps.store.release(kind, this.runId, [job.id], cutShort));
    this.tracker.released(kind, released);
  }

  /** A write matched nothing: the job was reaped or released meanwhile and is someone else's now. */
  private lost(kind: JobKind, job: { id: number }): void {
    this.deps.logger.warn(
      `run ${this.runId}: ${kind} job ${job.id} is no longer ours (its lease ran out); its outcome was dropped`,
    );
    this.tracker.released(kind, 1);
  }

  private async beat(): Promise<void> {
    try {
      await this.deps.store.heartbeat(this.runId);
    } catch (error) {
      this.deps.logger.warn(`run ${this.runId}: heartbeat failed: ${messageOf(error)}`);
    }
  }

  private emit<K extends JobKind>(
    kind: K,
    type: JobEventType,
    job: JobOfKind[K],
    row: JobRow | null,
    attempt: number | null = null,
    error: string | null = null,
  ): void {
    this.deps.onChange(this.experimentId);
    const topic = topics.experimentEvents(this.experimentId);
    if (this.deps.bus.listenerCount(topic) === 0) return;
    const strategy = this.deps.strategies[kind] as JobStrategy<K>;
    const note = kind === "note" ? ((row ?? job) as ExperimentResult) : null;
    const grade = kind === "grade" ? ((row ?? job) as ExperimentResultScore) : null;
    const event: RunEvent & { result: ExperimentResult | null; grade: ExperimentResultScore | null } = {
      type: `${kind}_${type}`,
      experimentId: this.experimentId,
      runId: this.runId,
      at: Date.now(),
      resultId: strategy.resultIdOf(job),
      scoreJobId: grade?.id ?? null,
      attempt,
      error,
      progress: this.tracker.snapshot(),
      result: note,
      grade,
    };
    this.deps.bus.publish(topic, event);
  }
}
