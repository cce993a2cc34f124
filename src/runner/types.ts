/**
 * The runner's vocabulary, written down once.
 *
 * - run: one start of an experiment (an `experiment_run` row). At most one run per experiment is
 *   running; a later run continues the jobs an earlier one left.
 * - job: one planned unit of LLM work, durable as a row before any call: a note job
 *   (`experiment_result`) or a grade job (`experiment_result_score`). Jobs belong to the experiment,
 *   not to a run, and their unique keys make planning idempotent.
 * - attempt: one try of a job (one note generation or one grading, itself possibly several HTTP
 *   requests inside the LLM layer). `maxAttempts` is a budget for the job's life: failed attempts
 *   are counted on the row (`failed_attempts`) across runs, restarts and crashes. An attempt cut
 *   short (cancel, shutdown, a dead process) is recorded in the row's `errors` but not counted;
 *   `retryFailed` grants a failed job a fresh budget.
 * - pool: the `workers` jobs of one kind a driver works on at once; a run has a note pool and a
 *   grade pool.
 * - claim: moving planned jobs to running for this run (`FOR UPDATE SKIP LOCKED`), under a lease.
 * - lease: how long a claimed job stays the claimer's without news (`lease_expires_at`).
 * - driver: one process's work on one run (run-driver.ts); the runner (runner.ts) holds the
 *   process's drivers.
 */
import type { KeyLimit } from "../llm/limits/cluster-store";
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { RunStatus } from "../../entities/job-status";

export type JobKind = "note" | "grade";
export const JOB_KINDS: readonly JobKind[] = ["note", "grade"];

/** A claimed note job: its row. */
export type NoteJob = ExperimentResult;

/** A claimed grade job also carries what grading needs from its note (its combination picks the grader). */
export type GradeJob = ExperimentResultScore & {
  noteJson: unknown;
  generatedNoteId: number;
  caseId: number;
  noteExperimentModelId: number;
};

export interface JobOfKind {
  note: NoteJob;
  grade: GradeJob;
}

export interface JobCounts {
  expected: number;
  succeeded: number;
  failed: number;
  running: number;
  /** Expected jobs not yet running or finished (planned rows and grades of notes still to finish). */
  pending: number;
}

export interface Progress {
  experimentId: number;
  runId: number | null;
  runStatus: RunStatus | null;
  notes: JobCounts;
  grades: JobCounts;
  inputTokens: number;
  outputTokens: number;
  /** What the jobs cost; null when any of them spent tokens on a model without a price (see `unpriced`). */
  costUsd: number | null;
  /** Jobs whose cost is unknown: they spent tokens on a model without a price. */
  unpriced: number;
  /** The latest run's budget, USD; null when it has none. */
  budgetUsd: number | null;
  /** What the latest run's attempts spent against its budget, USD; null without a budget. */
  spentUsd: number | null;
  /** Since the run started (or until it ended). */
  elapsedMs: number;
  /** Remaining jobs at this run's pace so far; null until the pace is known. */
  etaMs: number | null;
  /** Every expected note and grade has finished (succeeded or failed). */
  done: boolean;
  /** Server time of this snapshot, epoch ms. */
  at: number;
  /** Each vendor key's limit across the cluster and why it last changed (./progress-limits.ts). */
  limits: KeyLimit[];
}

export type RunEventType = "run_started" | "run_finished" | "run_cancelled" | "run_interrupted" | "run_failed" | "run_paused";
export type JobEventType = "queued" | "started" | "retrying" | "succeeded" | "failed";

/** One state change, published after it was written to the database. */
export interface RunEvent {
  type: RunEventType | `${JobKind}_${JobEventType}`;
  experimentId: number;
  runId: number;
  /** Server time when the event was published, epoch ms (lets clients measure delivery latency). */
  at: number;
  /** The note job concerned (for a grade: the note it grades). */
  resultId: number | null;
  /** The grade job concerned. */
  scoreJobId: number | null;
  attempt: number | null;
  error: string | null;
  progress: Progress;
}

/** A run status that ends a driver's work on a run (everything but `running`). */
export type EndStatus = Exclude<RunStatus, RunStatus.running>;

/** How a driver's work on a run ended: the status to write, and why (null for a finished run). */
export interface DriveOutcome {
  status: EndStatus;
  error: string | null;
}

export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
