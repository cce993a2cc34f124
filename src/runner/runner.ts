/**
 * The process-wide run engine: starts, cancels, joins, resumes and shuts down runs, one RunDriver
 * per run this process works on.
 *
 * Several processes may drive one run; they share it through the database alone:
 *
 * - Starting: one transaction under a transaction-scoped advisory lock on the experiment, so that
 *   concurrent starts queue; a start is refused (RunConflictError) while the experiment has a
 *   `running` run whose heartbeat is fresh. A running run whose heartbeat went stale (every process
 *   driving it died, and none resumed it) is ended `interrupted` and a new run starts.
 * - Joining: a process that drives runs (role all or worker) looks every `pollMs` for the latest run
 *   of each experiment: a `running` one it does not drive yet, it joins (it "resumes" it when the
 *   heartbeat was stale); an `interrupted` one, it sets running again and resumes.
 * - Heartbeat: every `pollMs` each process writes `experiment_run.heartbeat_at` on the runs it
 *   drives; a run that is no longer `running` (cancelled, finished or failed by another process) is
 *   stopped here. Jobs' leases are extended by their drivers.
 * - Ending: a driver that finds no unfinished job writes `finished`, guarded by `status = 'running'`,
 *   so whichever process gets there first ends the run and publishes its end, once. A process that
 *   leaves a run (shutdown, database outage) hands its jobs back and writes `interrupted` only when no
 *   other process holds a live lease on the experiment's jobs; the others carry on (and any process
 *   that drives runs resumes an interrupted one).
 */
import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { ExperimentRun } from "../../entities/experiment-run";
import { RunStatus } from "../../entities/job-status";
import type { EventBus } from "../events/event-bus";
import { topics } from "../events/event-bus";
import { gradeNote, type LlmClients } from "../llm";
import type { Logger } from "../logger";
import { makeGradeStrategy } from "./grade-strategy";
import type { JobStrategies } from "./job-strategy";
import { makeNoteStrategy } from "./note-strategy";
import { PgJobStore } from "./pg-job-store";
import type { RunOptions, RunPlan } from "./plan";
import { queryProgress } from "./progress";
import { OUTAGE_ERROR_PREFIX, PAID_CALLS_GRACE_MS, RunDriver, type DatabaseHealth } from "./run-driver";
import { updatedRows } from "../db/updated-rows";
import { insertNoteJobs, replanFailedJobs, type PlannedNote } from "./sql";
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
  bus: EventBus;
  logger: Logger;
  /** How long a claimed job stays this process's without a heartbeat. */
  leaseMs: number;
  /** How often the runner heartbeats its runs and looks for runs to join. */
  pollMs: number;
  /** Outage detection and the end of an outage (the database monitor). */
  database: DatabaseHealth;
  /** How long a database outage may pause a run's dispatch before the run is left interrupted (and resumed). */
  outageGraceMs: number;
  /**
   * Whether this process works on jobs (roles all and worker); false for role api, which starts
   * and cancels runs that other processes drive.
   */
  drives: boolean;
  /** Join running runs and resume interrupted ones (every pollMs); false: drive only the runs started here. */
  joins: boolean;
  /** Builds what a run needs from the experiment (used when joining or resuming a run). */
  loadPlan: (experimentId: number) => Promise<RunPlan>;
  onChange: (experimentId: number) => void;
  /** Called after a run's end is written, e.g. to publish the final progress at once. */
  onRunEnd?: (experimentId: number) => void;
  /** Wraps a run's strategies before its driver starts (the run's budget: src/services/budget.ts). */
  guard?: (plan: RunPlan, runId: number, strategies: JobStrategies) => Promise<JobStrategies>;
}

interface ActiveRun {
  driver: RunDriver;
  done: Promise<void>;
}

interface RunRow {
  id: number;
  experiment_id: number;
  status: RunStatus;
  workers: number;
  max_attempts: number;
  stale: boolean;
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

function runEventType(status: EndStatus): RunEventType {
  switch (status) {
    case RunStatus.finished:
      return "run_finished";
    case RunStatus.cancelled:
      return "run_cancelled";
    case RunStatus.interrupted:
      return "run_interrupted";
    case RunStatus.failed:
      return "run_failed";
    case RunStatus.paused:
      return "run_paused";
    default:
      return unreachable(status);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Runner {
  /** This process, as written on the jobs it claims. */
  readonly ownerId = randomUUID();
  private readonly store: PgJobStore;
  private readonly active = new Map<number, ActiveRun>(); // by run id
  /** Runs driven here or about to be (marked before the first await, so that a start and a join never both drive one). */
  private readonly driving = new Set<number>();
  private shuttingDown = false;
  private readonly ticker: NodeJS.Timeout | undefined;
  /** The look at the database under way, if any (a tick never overlaps the previous one). */
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: RunnerDeps) {
    this.store = new PgJobStore(deps.db, { ownerId: this.ownerId, leaseMs: deps.leaseMs });
    if (deps.drives) {
      this.ticker = setInterval(() => void this.tick(), deps.pollMs);
      this.ticker.unref();
    }
  }

  activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /**
   * Starts a run of the plan's experiment: plans its jobs and writes the run `running`; this process
   * drives it too unless its role is api. Throws RunConflictError while another run of the experiment
   * is running.
   */
  async start(plan: RunPlan, options: RunOptions): Promise<ExperimentRun> {
    try {
      return await this.startAndDrive(plan, options);
    } catch (error) {
      plan.generator.release();
      throw error;
    }
  }

  private async startAndDrive(plan: RunPlan, options: RunOptions): Promise<ExperimentRun> {
    if (this.shuttingDown) throw new RunConflictError("The server is shutting down; start the run again once it is back");
    const experimentId = plan.experiment.id;
    const run = await this.deps.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, $2)`, [RUN_LOCK_SPACE, experimentId]);
      await this.endAbandonedRun(tx, experimentId);
      if (options.retryFailed) await replanFailedJobs(tx, experimentId);
      const planned = await insertNoteJobs(tx, plan.experiment, planNotes(plan));
      this.deps.logger.info(`experiment ${experimentId}: ${planned} new note job(s) planned`);
      const repo = tx.getRepository(ExperimentRun);
      try {
        return await repo.save(
          repo.create({
            experimentId,
            status: RunStatus.running,
            workers: options.workers,
            maxAttempts: options.maxAttempts,
            retryFailed: options.retryFailed,
            budgetUsd: options.budgetUsd ?? null,
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
    if (this.deps.drives && !this.driving.has(run.id)) await this.drive(plan, run.id, options);
    else plan.generator.release(); // the run's drivers load their own plan
    this.publishRunEvent(experimentId, run.id, "run_started", await this.progressOf(experimentId, run.id));
    return run;
  }

  /** Inside the start's lock: refuses while a live run exists; ends one that nobody drives any more. */
  private async endAbandonedRun(tx: EntityManager, experimentId: number): Promise<void> {
    const [running]: { id: number; stale: boolean }[] = await tx.query(
      `SELECT id, coalesce(heartbeat_at < now() - $2 * interval '1 millisecond', true) AS stale
       FROM experiment_run WHERE experiment_id = $1 AND status = '${RunStatus.running}'`,
      [experimentId, this.deps.leaseMs],
    );
    if (!running) return;
    if (!running.stale || this.active.has(running.id))
      throw new RunConflictError(`Experiment ${experimentId} already has an active run; cancel it or wait for it to end`);
    await tx.query(
      `UPDATE experiment_run SET status = '${RunStatus.interrupted}', finished_at = now(), updated = now(),
         error = 'no process was driving it (their heartbeats stopped)'
       WHERE id = $1`,
      [running.id],
    );
    this.deps.logger.info(`run ${running.id} of experiment ${experimentId}: no process drives it any more, ended interrupted`);
  }

  /** Drives a running run here (started, joined or resumed); the plan's generator is released when the driver ends. */
  private async drive(plan: RunPlan, runId: number, options: RunOptions): Promise<void> {
    this.driving.add(runId);
    const experimentId = plan.experiment.id;
    const { llm } = this.deps;
    let initial: Progress;
    let strategies: JobStrategies = {
      note: makeNoteStrategy(plan, plan.generator, (request) => plan.generator.generate(request)),
      grade: makeGradeStrategy(plan, (request) => gradeNote(llm, request)),
    };
    try {
      initial = await queryProgress(this.deps.db, experimentId);
      if (this.deps.guard) strategies = await this.deps.guard(plan, runId, strategies);
    } catch (error) {
      this.driving.delete(runId);
      plan.generator.release();
      throw error;
    }
    const driver = new RunDriver(
      {
        store: this.store,
        database: this.deps.database,
        outageGraceMs: this.deps.outageGraceMs,
        strategies,
        bus: this.deps.bus,
        logger: this.deps.logger,
        heartbeatMs: Math.max(100, Math.floor(this.deps.leaseMs / 3)),
        pollMs: this.deps.pollMs,
        onChange: this.deps.onChange,
      },
      experimentId,
      runId,
      options,
      initial,
      Date.now(),
    );
    const done = this.driveToEnd(driver).finally(() => plan.generator.release());
    this.active.set(runId, { driver, done });
  }

  private async driveToEnd(driver: RunDriver): Promise<void> {
    const { runId, experimentId } = driver;
    const outcome = await driver.drive();
    let ended = false;
    try {
      // Jobs a stop left running here (aborted calls hand theirs back; this catches the rest). During
      // a database outage this waits for the database: the end is recorded as soon as it is back.
      ended = await this.whenAvailable(async () => {
        for (const kind of JOB_KINDS) await this.store.release(kind, runId, "all", null);
        return this.writeEnd(driver, outcome);
      });
    } catch (error) {
      this.deps.logger.error(`run ${runId}: could not record its end`, error);
    } finally {
      this.active.delete(runId);
      this.driving.delete(runId);
    }
    if (ended) {
      const reason = outcome.error ? ` (${outcome.error})` : "";
      this.deps.logger.info(`run ${runId} of experiment ${experimentId}: ${outcome.status}${reason}`);
      this.publishRunEvent(experimentId, runId, runEventType(outcome.status), driver.progress());
      this.deps.onRunEnd?.(experimentId);
    }
    // A run that an outage interrupted goes on by itself (whatever RESUME_ON_START says).
    if (outcome.error?.startsWith(OUTAGE_ERROR_PREFIX) && !this.shuttingDown) void this.resume(runId);
  }

  /** Runs a database operation; while the database is unavailable, waits for it and tries again. */
  private async whenAvailable<T>(op: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await op();
      } catch (error) {
        if (!this.deps.database.isUnavailable(error) || this.shuttingDown) throw error;
        await this.deps.database.whenUp();
      }
    }
  }

  /** Drives a run of this process's again after an outage interrupted it here. */
  private async resume(runId: number): Promise<void> {
    try {
      const [row]: RunRow[] = await this.whenAvailable(() =>
        this.deps.db.query(
          `SELECT id, experiment_id, status, workers, max_attempts, true AS stale FROM experiment_run WHERE id = $1`,
          [runId],
        ),
      );
      if (row && !this.driving.has(runId) && (row.status === RunStatus.interrupted || row.status === RunStatus.running))
        await this.join(row);
    } catch (error) {
      this.deps.logger.warn(`run ${runId} not resumed after the outage: ${messageOf(error)}`);
    }
  }

  /** Writes the run's end if it is still running; an interrupt only when no other process holds its jobs. */
  private async writeEnd(driver: RunDriver, outcome: DriveOutcome): Promise<boolean> {
    const othersHoldJobs =
      outcome.status === RunStatus.interrupted
        ? `AND NOT EXISTS (SELECT 1 FROM experiment_result WHERE experiment_id = $4 AND status = 'running'
                             AND owner_id <> $5 AND lease_expires_at > now())
           AND NOT EXISTS (SELECT 1 FROM experiment_result_score WHERE experiment_id = $4 AND status = 'running'
                             AND owner_id <> $5 AND lease_expires_at > now())`
        : "AND $4::int IS NOT NULL AND $5::text IS NOT NULL";
    const rows = updatedRows(
      await this.deps.db.query(
        `UPDATE experiment_run SET status = $2, error = $3, finished_at = now(), updated = now(), heartbeat_at = now()
         WHERE id = $1 AND status = '${RunStatus.running}' ${othersHoldJobs}
         RETURNING id`,
        [driver.runId, outcome.status, outcome.error, driver.experimentId, this.ownerId],
      ),
    );
    return rows.length > 0;
  }

  private async progressOf(experimentId: number, runId: number): Promise<Progress> {
    return this.active.get(runId)?.driver.progress() ?? queryProgress(this.deps.db, experimentId);
  }

  private publishRunEvent(experimentId: number, runId: number, type: RunEventType, progress: Progress): void {
    this.deps.onChange(experimentId);
    const topic = topics.experimentEvents(experimentId);
    if (this.deps.bus.listenerCount(topic) === 0) return;
    const event: RunEvent = {
      type,
      experimentId,
      runId,
      at: Date.now(),
      resultId: null,
      scoreJobId: null,
      attempt: null,
      error: null,
      progress,
    };
    this.deps.bus.publish(topic, event);
  }

  /**
   * Cancels a running run wherever it is driven: the run is written cancelled at once; a driver here
   * stops and aborts its calls before this resolves, drivers elsewhere stop at their next heartbeat.
   */
  async cancel(runId: number): Promise<void> {
    const [row] = updatedRows<{ experiment_id: number }>(
      await this.deps.db.query(
        `UPDATE experiment_run SET status = '${RunStatus.cancelled}', finished_at = now(), updated = now()
         WHERE id = $1 AND status = '${RunStatus.running}' RETURNING experiment_id`,
        [runId],
      ),
    );
    if (!row) throw new RunNotActiveError(`Run ${runId} is not running`);
    const active = this.active.get(runId);
    if (active) {
      active.driver.cancel();
      await active.done;
    }
    this.deps.logger.info(`run ${runId} of experiment ${row.experiment_id}: cancelled`);
    this.publishRunEvent(row.experiment_id, runId, "run_cancelled", await this.progressOf(row.experiment_id, runId));
    this.deps.onRunEnd?.(row.experiment_id);
  }

  /** Waits for a run driven here to end (tests and the CLI use it). */
  async waitFor(runId: number): Promise<void> {
    await this.active.get(runId)?.done;
  }

  /**
   * One look at the database: heartbeats the runs driven here (stopping those that ended elsewhere),
   * then joins running runs and resumes interrupted ones. Runs every pollMs; start-up awaits one.
   */
  tick(): Promise<void> {
    if (this.shuttingDown) return Promise.resolve();
    this.ticking ??= (async () => {
      try {
        await this.heartbeatRuns();
        if (this.deps.joins) await this.joinRuns();
      } catch (error) {
        this.deps.logger.warn(`runner: ${messageOf(error)}`);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async heartbeatRuns(): Promise<void> {
    const ids = this.activeRunIds();
    if (ids.length === 0) return;
    const rows: { id: number; status: RunStatus }[] = await this.deps.db.query(
      `WITH beat AS (
         UPDATE experiment_run SET heartbeat_at = now() WHERE id = ANY($1) AND status = '${RunStatus.running}' RETURNING id
       )
       SELECT id, status FROM experiment_run WHERE id = ANY($1) AND id NOT IN (SELECT id FROM beat)`,
      [ids],
    );
    for (const { id, status } of rows) {
      if (status === RunStatus.running) continue;
      // Paused (a budget or a quota, seen by another process): this process's calls in flight are
      // paid for, so they may finish, as the pausing process's own do. Any other end cuts them now.
      const graceMs = status === RunStatus.paused ? PAID_CALLS_GRACE_MS : 0;
      this.deps.logger.info(`run ${id} was ended ${status} by another process: stopping here`);
      this.active.get(id)?.driver.stop(status, null, graceMs);
    }
  }

  private async joinRuns(): Promise<void> {
    const runs: RunRow[] = await this.deps.db.query(
      `SELECT DISTINCT ON (experiment_id) id, experiment_id, status, workers, max_attempts,
         coalesce(heartbeat_at < now() - $1 * interval '1 millisecond', true) AS stale
       FROM experiment_run ORDER BY experiment_id, id DESC`,
      [this.deps.leaseMs],
    );
    for (const row of runs) {
      if (this.shuttingDown) return;
      if (this.driving.has(row.id)) continue;
      if (row.status !== RunStatus.running && row.status !== RunStatus.interrupted) continue;
      try {
        await this.join(row);
      } catch (error) {
        this.deps.logger.warn(`run ${row.id} of experiment ${row.experiment_id} not joined: ${messageOf(error)}`);
      }
    }
  }

  private async join(row: RunRow): Promise<void> {
    const plan = await this.deps.loadPlan(row.experiment_id);
    try {
      await this.joinWith(plan, row);
    } catch (error) {
      if (!this.driving.has(row.id)) plan.generator.release();
      throw error;
    }
  }

  private async joinWith(plan: RunPlan, row: RunRow): Promise<void> {
    const notDriven = () => {
      plan.generator.release();
    };
    if (row.status === RunStatus.interrupted) {
      const rows = updatedRows(
        await this.deps.db.query(
          `UPDATE experiment_run SET status = '${RunStatus.running}', finished_at = NULL, error = NULL, heartbeat_at = now(),
             updated = now()
           WHERE id = $1 AND status = '${RunStatus.interrupted}' RETURNING id`,
          [row.id],
        ),
      );
      if (rows.length === 0) return notDriven();
    }
    if (this.driving.has(row.id) || this.shuttingDown) return notDriven();
    await this.drive(plan, row.id, { workers: row.workers, maxAttempts: row.max_attempts, retryFailed: false });
    const resumed = row.status === RunStatus.interrupted || row.stale;
    this.deps.logger.info(`${resumed ? "resumed" : "joined"} run ${row.id} of experiment ${row.experiment_id}`);
    if (row.status === RunStatus.interrupted)
      this.publishRunEvent(row.experiment_id, row.id, "run_started", await this.progressOf(row.experiment_id, row.id));
  }

  /** SIGTERM: no new runs, let calls in flight finish for up to graceMs, then leave the runs to others (or interrupted). */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.ticker);
    await Promise.all(
      [...this.active.values()].map(async ({ driver, done }) => {
        await driver.drain(graceMs);
        await done;
      }),
    );
  }
}
