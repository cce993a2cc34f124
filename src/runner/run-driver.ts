/**
 * Drives one run: two pools (notes, grades) of `workers` jobs each, fed by claims from the database.
 *
 * A pool is refilled whenever it has free slots: the driver claims as many planned jobs as there are
 * free slots, so a claimed (running) job is one that a worker is on. A note that succeeds plans its
 * grade jobs in the same statement that stores it, and pokes the grade pool, so grading starts while
 * other notes are still being written (pipelined). The run is over when neither pool has work, no
 * claim is in flight, and the database has no unfinished job left for the experiment.
 *
 * Stopping: `cancel()` and `interrupt()` stop the claims and abort the AbortSignal that every LLM
 * call holds; an aborted job goes back to planned and counts no attempt. `drain(graceMs)` first lets
 * the calls in flight finish for up to graceMs.
 */
import { setMaxListeners } from "node:events";
import PQueue from "p-queue";
import type { DataSource } from "typeorm";
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { AttemptError } from "../../entities/job-columns";
import { RunStatus } from "../../entities/job-status";
import type { LlmConfig } from "../config";
import type { EventBus } from "../events/event-bus";
import { topics } from "../events/event-bus";
import { generateNote, gradeNote, LlmError, type LlmClients, type Usage } from "../llm";
import type { Logger } from "../logger";
import type { RunOptions, RunPlan } from "./plan";
import { ProgressTracker } from "./progress-tracker";
import {
  claimGradeJobs,
  claimNoteJobs,
  completeGradeJob,
  completeNoteJob,
  countUnfinishedJobs,
  failJob,
  recordFailedAttempt,
  releaseJobs,
  type GradeJob,
} from "./sql";
import type { JobEventType, JobKind, Progress, RunEvent } from "./types";

export interface DriverDeps {
  db: DataSource;
  llm: LlmClients;
  llmConfig: LlmConfig;
  bus: EventBus;
  logger: Logger;
  leaseMs: number;
  /** Called on every state change so that throttled progress subscribers know to refresh. */
  onChange: (experimentId: number) => void;
}

/** How a run's driving ended; the runner writes it as the run's status. */
export type DriveOutcome = RunStatus.finished | RunStatus.cancelled | RunStatus.interrupted | RunStatus.failed;

type StopReason = "cancel" | "interrupt";

function describeError(error: unknown): { kind: string; message: string } {
  if (error instanceof LlmError) return { kind: error.kind, message: error.message };
  return { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

function usageOf(error: unknown): Usage | undefined {
  return error instanceof LlmError ? error.usage : undefined;
}

export class RunDriver {
  private readonly pools: Record<JobKind, PQueue>;
  private readonly claiming: Record<JobKind, boolean> = { note: false, grade: false };
  /** The last claim found nothing; reset when new work may have appeared. */
  private readonly exhausted: Record<JobKind, boolean> = { note: false, grade: false };
  private readonly abort = new AbortController();
  private stopReason: StopReason | undefined;
  private fatal: Error | undefined;
  private checkingDone = false;
  private settle!: (outcome: DriveOutcome) => void;
  private readonly outcome: Promise<DriveOutcome>;
  private readonly tracker: ProgressTracker;
  private settled = false;

  constructor(
    private readonly deps: DriverDeps,
    private readonly plan: RunPlan,
    readonly runId: number,
    private readonly options: RunOptions,
    initialProgress: Progress,
    startedAt: number,
  ) {
    this.pools = {
      note: new PQueue({ concurrency: options.workers }),
      grade: new PQueue({ concurrency: options.workers }),
    };
    this.tracker = new ProgressTracker(initialProgress, startedAt);
    // Every call in flight listens on the run's signal: with many workers that is many listeners.
    setMaxListeners(0, this.abort.signal);
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    // A job that ends frees a slot: refill it, and see whether the run is over.
    for (const kind of ["note", "grade"] as const) {
      this.pools[kind].on("next", () => {
        this.fill(kind);
        void this.maybeSettle();
      });
    }
  }

  get experimentId(): number {
    return this.plan.experiment.id;
  }

  progress(): Progress {
    return this.tracker.snapshot();
  }

  /** Starts the pools; resolves with how the run ended. */
  drive(): Promise<DriveOutcome> {
    this.fill("note");
    this.fill("grade");
    return this.outcome;
  }

  cancel(): void {
    this.stop("cancel");
  }

  interrupt(): void {
    this.stop("interrupt");
  }

  /** Stops claiming, lets calls in flight finish for up to graceMs, then aborts the rest. */
  async drain(graceMs: number): Promise<DriveOutcome> {
    this.stopReason ??= "interrupt";
    const idle = Promise.all([this.pools.note.onIdle(), this.pools.grade.onIdle()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.stop("interrupt");
    return this.outcome;
  }

  private stop(reason: StopReason): void {
    this.stopReason ??= reason;
    if (!this.abort.signal.aborted) this.abort.abort(new Error(`run ${this.runId} ${reason}ed`));
    this.pools.note.clear();
    this.pools.grade.clear();
    void this.maybeSettle();
  }

  private freeSlots(kind: JobKind): number {
    const pool = this.pools[kind];
    return this.options.workers - pool.pending - pool.size;
  }

  /** Claims as many planned jobs as the pool has free slots, and queues them. */
  private fill(kind: JobKind): void {
    if (this.stopReason || this.fatal || this.claiming[kind]) return;
    const free = this.freeSlots(kind);
    if (free <= 0) return;
    this.claiming[kind] = true;
    const claim =
      kind === "note"
        ? claimNoteJobs(this.deps.db, this.experimentId, this.runId, free, this.deps.leaseMs)
        : claimGradeJobs(this.deps.db, this.experimentId, this.runId, free, this.deps.leaseMs);
    claim.then(
      (jobs) => {
        this.claiming[kind] = false;
        this.exhausted[kind] = jobs.length === 0;
        if (jobs.length > 0) {
          this.tracker.claimed(kind, jobs.length);
          for (const job of jobs) {
            if (kind === "note") this.emit("note", "queued", job.id, job as ExperimentResult, null);
            else this.emit("grade", "queued", (job as GradeJob).experimentResultId, null, job as GradeJob);
            void this.pools[kind].add(() =>
              kind === "note" ? this.runNote(job as ExperimentResult) : this.runGrade(job as GradeJob),
            );
          }
          this.deps.onChange(this.experimentId);
        }
        if (this.stopReason) void this.releaseUnstarted(kind, jobs);
        else if (jobs.length === free) this.fill(kind);
        void this.maybeSettle();
      },
      (error) => {
        this.claiming[kind] = false;
        this.failRun(error);
      },
    );
  }

  /** Jobs claimed while a stop arrived: back to planned. */
  private async releaseUnstarted(kind: JobKind, jobs: { id: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    const released = await releaseJobs(
      this.deps.db,
      kind,
      this.runId,
      jobs.map((j) => j.id),
    ).catch(() => 0);
    this.tracker.released(kind, released);
  }

  private async runNote(job: ExperimentResult): Promise<void> {
    if (this.stopReason) return this.release("note", job.id);
    const kase = this.plan.cases.get(job.caseId);
    const combination = this.plan.combinations.find((c) => c.id === job.experimentModelId);
    const started = Date.now();
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      this.emit("note", attempt === 1 ? "started" : "retrying", job.id, job, null, attempt);
      try {
        if (!kase || !combination)
          throw new Error(`case ${job.caseId} or combination ${job.experimentModelId} is no longer part of the experiment`);
        const result = await generateNote(this.deps.llm, {
          transcript: kase.transcript,
          limitedChart: kase.limitedChart,
          overlapWords: job.cycleTranscriptOverlap,
          model: combination.generator,
          signal: this.abort.signal,
        });
        const written = await completeNoteJob(this.deps.db, job.id, this.runId, {
          noteJson: result.note,
          hyperscribeVersion: this.plan.experiment.hyperscribeVersion,
          promptVersion: result.promptVersion,
          generatorName: "builtin",
          generatorKind: "builtin",
          generatorCommit: "",
          artifacts: {
            stagedQuestionnaires: {},
            transcript2instructions: {},
            instruction2parameters: {},
            parameters2command: {},
          },
          cycleCount: result.cycles,
          overlap: job.cycleTranscriptOverlap,
          vendor: result.usage.vendor,
          modelName: result.usage.model,
          durationMs: Date.now() - started,
          inputTokens: result.usage.inputTokens,
          outputTokens: result.usage.outputTokens,
          costUsd: result.usage.costUsd,
          rubricIds: kase.rubricIds,
          gradeReplications: this.plan.experiment.gradeReplications,
          graderVendor: combination.grader.vendor,
          graderModelName: combination.graderName,
        });
        if (!written) return; // no longer this run's job: someone else owns its outcome
        this.tracker.spent(result.usage.inputTokens, result.usage.outputTokens, result.usage.costUsd);
        this.tracker.succeeded("note");
        this.emit("note", "succeeded", job.id, written.result, null, attempt);
        if (written.newGrades > 0) this.exhausted.grade = false;
        this.fill("grade");
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return this.release("note", job.id);
        const last = attempt === this.options.maxAttempts;
        if (!(await this.recordFailure("note", job, attempt, error, last, started, job.plannedGrades))) return;
        if (last) return;
      }
    }
  }

  private async runGrade(job: GradeJob): Promise<void> {
    if (this.stopReason) return this.release("grade", job.id);
    const rubric = this.plan.rubrics.get(job.rubricId);
    const combination = this.plan.combinations.find((c) => c.id === job.noteExperimentModelId);
    const started = Date.now();
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      this.emit("grade", attempt === 1 ? "started" : "retrying", job.experimentResultId, null, job, attempt);
      try {
        if (!rubric || !combination)
          throw new Error(`rubric ${job.rubricId} or the note's combination is no longer part of the experiment`);
        const result = await gradeNote(this.deps.llm, {
          rubric,
          note: job.noteJson,
          model: combination.grader,
          signal: this.abort.signal,
        });
        const written = await completeGradeJob(this.deps.db, job.id, this.runId, {
          rubricId: job.rubricId,
          generatedNoteId: job.generatedNoteId,
          scoringResult: result.scoringResult,
          overallScore: result.overallScore,
          vendor: result.usage.vendor,
          modelName: result.usage.model,
          temperature: result.temperature,
          promptVersion: result.promptVersion,
          durationMs: Date.now() - started,
          inputTokens: result.usage.inputTokens,
          outputTokens: result.usage.outputTokens,
          costUsd: result.usage.costUsd,
        });
        if (!written) return;
        this.tracker.spent(result.usage.inputTokens, result.usage.outputTokens, result.usage.costUsd);
        this.tracker.succeeded("grade");
        this.emit("grade", "succeeded", job.experimentResultId, null, written, attempt);
        this.fill("grade");
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return this.release("grade", job.id);
        const last = attempt === this.options.maxAttempts;
        if (!(await this.recordFailure("grade", job, attempt, error, last, started))) return;
        if (last) return;
      }
    }
  }

  /** Keeps the attempt's error; on the last attempt marks the job failed. False when the job is no longer ours. */
  private async recordFailure(
    kind: JobKind,
    job: ExperimentResult | GradeJob,
    attempt: number,
    error: unknown,
    last: boolean,
    started: number,
    plannedGrades = 0,
  ): Promise<boolean> {
    const { kind: errorKind, message } = describeError(error);
    const usage = usageOf(error);
    const spend = { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0, costUsd: usage?.costUsd ?? 0 };
    const attemptError: AttemptError = { attempt, at: new Date().toISOString(), kind: errorKind, message };
    try {
      await recordFailedAttempt(this.deps.db, kind, job.id, this.runId, attemptError, spend);
      this.tracker.spent(spend.inputTokens, spend.outputTokens, spend.costUsd);
      if (!last) {
        this.deps.logger.debug(`${kind} job ${job.id} attempt ${attempt} failed (${errorKind}): ${message}`);
        return true;
      }
      const failed = await failJob<ExperimentResult & ExperimentResultScore>(
        this.deps.db,
        kind,
        job.id,
        this.runId,
        Date.now() - started,
      );
      if (!failed) return false;
      this.tracker.failed(kind, plannedGrades);
      const resultId = kind === "note" ? job.id : (job as GradeJob).experimentResultId;
      this.emit(kind, "failed", resultId, kind === "note" ? failed : null, kind === "grade" ? failed : null, attempt, message);
      this.fill(kind);
      return true;
    } catch (dbError) {
      this.failRun(dbError);
      return false;
    }
  }

  private async release(kind: JobKind, jobId: number): Promise<void> {
    try {
      const released = await releaseJobs(this.deps.db, kind, this.runId, [jobId]);
      this.tracker.released(kind, released);
    } catch (error) {
      this.deps.logger.warn(`could not release ${kind} job ${jobId}: ${(error as Error).message}`);
    }
  }

  private emit(
    kind: JobKind,
    type: JobEventType,
    resultId: number,
    result: ExperimentResult | null,
    grade: ExperimentResultScore | null,
    attempt: number | null = null,
    error: string | null = null,
  ): void {
    this.deps.onChange(this.experimentId);
    const topic = topics.experimentEvents(this.experimentId);
    if (this.deps.bus.listenerCount(topic) === 0) return;
    const event: RunEvent & { result: ExperimentResult | null; grade: ExperimentResultScore | null } = {
      type: `${kind}_${type}`,
      experimentId: this.experimentId,
      runId: this.runId,
      at: Date.now(),
      resultId,
      scoreJobId: grade?.id ?? null,
      attempt,
      error,
      progress: this.tracker.snapshot(),
      result,
      grade,
    };
    this.deps.bus.publish(topic, event);
  }

  private failRun(error: unknown): void {
    if (this.fatal) return;
    this.fatal = error instanceof Error ? error : new Error(String(error));
    this.deps.logger.error(`run ${this.runId} stopped on an internal error`, error);
    this.stop("interrupt");
  }

  /** Settles once nothing is in flight and, unless stopped, nothing is left to do. */
  private async maybeSettle(): Promise<void> {
    if (this.settled || this.checkingDone) return;
    const busy = (k: JobKind) => this.claiming[k] || this.pools[k].pending > 0 || this.pools[k].size > 0;
    if (busy("note") || busy("grade")) {
      if (this.stopReason || this.fatal) {
        this.checkingDone = true;
        await Promise.all([this.pools.note.onIdle(), this.pools.grade.onIdle()]);
        this.checkingDone = false;
        return this.maybeSettle();
      }
      return;
    }
    if (this.fatal || this.stopReason) {
      this.settled = true;
      this.settle(this.fatal ? RunStatus.failed : this.stopReason === "cancel" ? RunStatus.cancelled : RunStatus.interrupted);
      return;
    }
    if (!this.exhausted.note || !this.exhausted.grade) {
      if (!this.exhausted.note) this.fill("note");
      if (!this.exhausted.grade) this.fill("grade");
      return;
    }
    this.checkingDone = true;
    try {
      const unfinished = await countUnfinishedJobs(this.deps.db, this.experimentId);
      this.checkingDone = false;
      if (unfinished === 0) {
        this.settled = true;
        this.settle(RunStatus.finished);
      } else {
        this.exhausted.note = false;
        this.exhausted.grade = false;
        this.fill("note");
        this.fill("grade");
      }
    } catch (error) {
      this.checkingDone = false;
      this.failRun(error);
    }
  }
}
