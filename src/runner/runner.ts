/**
 * The process-wide run engine: starts, cancels, resumes and shuts down runs, one RunDriver each.
 *
 * Ownership: the process driving an experiment's run holds `pg_advisory_lock(RUN_LOCK_SPACE,
 * experiment_id)` on a connection of its own until the run ends. A second start anywhere is refused
 * while that lock is held; after a crash the lock is gone with the connection, and the next process
 * to start finds the run ownerless, puts its running jobs back to planned and resumes it.
 */
import { randomUUID } from "node:crypto";
import type { DataSource, QueryRunner } from "typeorm";
import { ExperimentRun } from "../../entities/experiment-run";
import { RunStatus } from "../../entities/job-status";
import type { LlmConfig } from "../config";
import type { EventBus } from "../events/event-bus";
import { topics } from "../events/event-bus";
import type { LlmClients } from "../llm";
import type { Logger } from "../logger";
import type { RunOptions, RunPlan } from "./plan";
import { queryProgress } from "./progress";
import { gradeNote } from "../llm";
import { makeGradeStrategy } from "./grade-strategy";
import { makeNoteStrategy } from "./note-strategy";
import { PgJobStore } from "./pg-job-store";
import { RunDriver } from "./run-driver";
import { insertNoteJobs, releaseOrphanedJobs, replanFailedJobs, type PlannedNote } from "./sql";
import type { DriveOutcome, EndStatus, Progress, RunEvent, RunEventType } from "./types";
import { JOB_KINDS, unreachable } from "./types";

/** First key of the runner's advisory locks (the second is the experiment id). */
const RUN_LOCK_SPACE = 0x4e4f5445; // "NOTE"
const UNIQUE_VIOLATION = "23505";

export class RunConflictError extends Error {}
export class RunNotActiveError extends Error {}

export interface RunnerDeps {
  db: DataSource;
  llm: LlmClients;
  llmConfig: LlmConfig;
  bus: EventBus;
  logger: Logger;
  leaseMs: number;
  heartbeatMs?: number;
  onChange: (experimentId: number) => void;
  /** Called after a run's end is written, e.g. to publish the final progress at once. */
  onRunEnd?: (experimentId: number) => void;
}

interface ActiveRun {
  driver: RunDriver;
  lock: QueryRunner;
  done: Promise<void>;
}

function planNotes(plan: RunPlan): PlannedNote[] {
  const notes: PlannedNote[] = [];
  const { experiment } = plan;
  for (const kase of plan.cases.values()) {
    for (const combination of plan.combinations) {
      for (const overlap of experiment.cycleTranscriptOverlaps) {
        for (let replication = 1; replication <= experiment.noteReplications; replication++) {
          notes.push({
            caseId: kase.id,
            caseName: kase.name,
            experimentModelId: combination.id,
            overlap,
            replication,
            plannedGrades: kase.rubricIds.length * experiment.gradeReplications,
            vendor: combination.generator.vendor,
            modelName: combination.generatorName,
          });
        }
      }
    }
  }
  return notes;
}

function runEventType(outcome: EndStatus): RunEventType {
  switch (outcome) {
    case RunStatus.finished:
      return "run_finished";
    case RunStatus.cancelled:
      return "run_cancelled";
    case RunStatus.interrupted:
      return "run_interrupted";
    case RunStatus.failed:
      return "run_failed";
    default:
      return unreachable(outcome);
  }
}

export class Runner {
  readonly ownerId = randomUUID();
  private readonly store: PgJobStore;
  private readonly active = new Map<number, ActiveRun>(); // by run id
  private shuttingDown = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RunnerDeps) {
    this.store = new PgJobStore(deps.db, { ownerId: this.ownerId, leaseMs: deps.leaseMs });
    this.heartbeat = setInterval(() => void this.beat(), deps.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /** The live progress of an experiment's run driven here, or undefined. */
  liveProgress(experimentId: number): Progress | undefined {
    for (const { driver } of this.active.values()) if (driver.experimentId === experimentId) return driver.progress();
    return undefined;
  }

  /**
   * Starts a run of the plan's experiment, or resumes `resumeRunId` (a run whose process is gone).
   * Throws RunConflictError while another run of the experiment is active.
   */
  async start(plan: RunPlan, options: RunOptions, resumeRunId?: number): Promise<ExperimentRun> {
    if (this.shuttingDown) throw new RunConflictError("The server is shutting down; start the run again once it is back");
    const experimentId = plan.experiment.id;
    const lock = this.deps.db.createQueryRunner();
    await lock.connect();
    let run: ExperimentRun;
    try {
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [RUN_LOCK_SPACE, experimentId]);
      if (!locked)
        throw new RunConflictError(`Experiment ${experimentId} already has an active run; cancel it or wait for it to end`);
      run = await this.claimRun(plan, options, resumeRunId);
    } catch (error) {
      await lock.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
      await lock.release();
      throw error;
    }
    const initial = await queryProgress(this.deps.db, experimentId);
    const { llm } = this.deps;
    const strategies = {
      note: makeNoteStrategy(plan, plan.generator, (request) => plan.generator.generate(request)),
      grade: makeGradeStrategy(plan, (request) => gradeNote(llm, request)),
    };
    const driver = new RunDriver(
      {
        store: this.store,
        strategies,
        bus: this.deps.bus,
        logger: this.deps.logger,
        heartbeatMs: Math.max(100, Math.floor(this.deps.leaseMs / 3)),
        pollMs: 1000,
        onChange: this.deps.onChange,
      },
      experimentId,
      run.id,
      options,
      initial,
      run.startedAt!.getTime(),
    );
    const done = this.driveToEnd(driver, lock, run);
    this.active.set(run.id, { driver, lock, done });
    this.publishRunEvent(driver, "run_started");
    return run;
  }

  /** Inside the experiment's lock: ends ownerless runs, plans the jobs, and writes this run as running. */
  private async claimRun(plan: RunPlan, options: RunOptions, resumeRunId?: number): Promise<ExperimentRun> {
    const { db } = this.deps;
    const experimentId = plan.experiment.id;
    return db.transaction(async (tx) => {
      // Anything still 'running' here lost its process (we hold the lock): its jobs go back to planned.
      await tx.query(
        `UPDATE experiment_run SET status = 'interrupted', updated = now(), finished_at = coalesce(finished_at, now())
         WHERE experiment_id = $1 AND status = 'running' AND id IS DISTINCT FROM $2`,
        [experimentId, resumeRunId ?? null],
      );
      const released = await releaseOrphanedJobs(tx, experimentId);
      if (released > 0)
        this.deps.logger.info(`experiment ${experimentId}: ${released} job(s) of a stopped process planned again`);
      if (options.retryFailed) await replanFailedJobs(tx, experimentId);
      const planned = await insertNoteJobs(tx, plan.experiment, planNotes(plan));
      this.deps.logger.info(`experiment ${experimentId}: ${planned} new note job(s) planned`);
      const repo = tx.getRepository(ExperimentRun);
      try {
        if (resumeRunId !== undefined) {
          await repo.update(
            { id: resumeRunId },
            {
              status: RunStatus.running,
              heartbeatAt: new Date(),
              finishedAt: null,
              skippedCases: plan.skipped,
            },
          );
          return (await repo.findOneBy({ id: resumeRunId }))!;
        }
        return await repo.save(
          repo.create({
            experimentId,
            status: RunStatus.running,
            workers: options.workers,
            maxAttempts: options.maxAttempts,
            retryFailed: options.retryFailed,
            startedAt: new Date(),
            heartbeatAt: new Date(),
            skippedCases: plan.skipped,
          }),
        );
      } catch (error) {
        const code = (error as { driverError?: { code?: string } }).driverError?.code;
        if (code === UNIQUE_VIOLATION) throw new RunConflictError(`Experiment ${experimentId} already has an active run`);
        throw error;
      }
    });
  }

  private async driveToEnd(driver: RunDriver, lock: QueryRunner, run: ExperimentRun): Promise<void> {
    let outcome: DriveOutcome;
    try {
      outcome = await driver.drive();
    } catch (error) {
      this.deps.logger.error(`run ${run.id} failed`, error);
      outcome = { status: RunStatus.failed, error: error instanceof Error ? error.message : String(error) };
    }
    try {
      await this.deps.db.query(
        `UPDATE experiment_run SET status = $2, error = $3, finished_at = now(), updated = now(), heartbeat_at = now() WHERE id = $1`,
        [run.id, outcome.status, outcome.error],
      );
      // Jobs a stop left running (aborted calls released themselves; this catches the rest).
      for (const kind of JOB_KINDS) await this.store.release(kind, run.id, "all", null);
    } catch (error) {
      this.deps.logger.error(`run ${run.id}: could not record its end`, error);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock($1, $2)`, [RUN_LOCK_SPACE, driver.experimentId]).catch(() => undefined);
      await lock.release();
      this.active.delete(run.id);
    }
    this.deps.logger.info(
      `run ${run.id} of experiment ${driver.experimentId}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ""}`,
    );
    this.publishRunEvent(driver, runEventType(outcome.status));
    this.deps.onRunEnd?.(driver.experimentId);
  }

  private publishRunEvent(driver: RunDriver, type: RunEventType): void {
    this.deps.onChange(driver.experimentId);
    const topic = topics.experimentEvents(driver.experimentId);
    if (this.deps.bus.listenerCount(topic) === 0) return;
    const event: RunEvent = {
      type,
      experimentId: driver.experimentId,
      runId: driver.runId,
      at: Date.now(),
      resultId: null,
      scoreJobId: null,
      attempt: null,
      error: null,
      progress: driver.progress(),
    };
    this.deps.bus.publish(topic, event);
  }

  /** Stops the run's dispatch and aborts its calls in flight; resolves once the run is written cancelled. */
  async cancel(runId: number): Promise<void> {
    const active = this.active.get(runId);
    if (!active) throw new RunNotActiveError(`Run ${runId} is not running in this server`);
    active.driver.cancel();
    await active.done;
  }

  /**
   * Cancels a run marked running that no process here drives. Its process is gone if the
   * experiment's lock can be taken; otherwise another live process drives it.
   */
  async cancelOwnerless(runId: number, experimentId: number): Promise<void> {
    const lock = this.deps.db.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [RUN_LOCK_SPACE, experimentId]);
      if (!locked) throw new RunConflictError(`Run ${runId} is driven by another server process; cancel it there`);
      await this.deps.db.transaction(async (tx) => {
        await tx.query(`UPDATE experiment_run SET status = 'cancelled', finished_at = now(), updated = now() WHERE id = $1`, [
          runId,
        ]);
        await releaseOrphanedJobs(tx, experimentId);
      });
      await lock.query(`SELECT pg_advisory_unlock($1, $2)`, [RUN_LOCK_SPACE, experimentId]);
    } finally {
      await lock.release();
    }
    this.deps.onRunEnd?.(experimentId);
  }

  /** Waits for a run driven here to end (tests and the CLI use it). */
  async waitFor(runId: number): Promise<void> {
    await this.active.get(runId)?.done;
  }

  /** SIGTERM: no new runs, let calls in flight finish for up to graceMs, then leave the runs resumable. */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.heartbeat);
    const runs = [...this.active.values()];
    await Promise.all(
      runs.map(async ({ driver, done }) => {
        await driver.drain(graceMs);
        await done;
      }),
    );
  }

  private async beat(): Promise<void> {
    const ids = this.activeRunIds();
    if (ids.length === 0) return;
    await this.deps.db
      .query(`UPDATE experiment_run SET heartbeat_at = now() WHERE id = ANY($1)`, [ids])
      .catch((error) => this.deps.logger.warn(`heartbeat failed: ${(error as Error).message}`));
  }
}
