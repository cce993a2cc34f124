/**
 * Where jobs live between attempts. The driver only talks to this interface: the Postgres
 * implementation (pg-job-store.ts) holds the SQL, an in-memory one drives the unit tests.
 *
 * Ownership: every write names the job and the run that claimed it and only applies while the job
 * is still running for that run; a write that matches nothing returns null/false, and the caller
 * drops its outcome (the job was released or reaped and is someone else's now).
 */
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { AttemptError } from "../../entities/job-columns";
import type { JobKind, JobOfKind } from "./types";

export interface Spend {
  inputTokens: number;
  outputTokens: number;
  /** Null when the model has no price: unknown, and the job's cost becomes unknown too. */
  costUsd: number | null;
}

/** The existing tool's intermediate artifacts of a note, when its generator reports them ({} otherwise). */
export interface NoteArtifacts {
  stagedQuestionnaires: unknown;
  transcript2instructions: unknown;
  instruction2parameters: unknown;
  parameters2command: unknown;
}

export interface NoteOutcome extends Spend {
  noteJson: unknown;
  hyperscribeVersion: string;
  promptVersion: string;
  /** Provenance: which generator wrote the note, and the full commit it ran at ("" without a repository). */
  generatorName: string;
  generatorKind: string;
  generatorCommit: string;
  artifacts: NoteArtifacts;
  cycleCount: number;
  overlap: number;
  vendor: string;
  modelName: string;
  durationMs: number;
  rubricIds: number[];
  gradeReplications: number;
  graderVendor: string;
  graderModelName: string;
}

export interface GradeOutcome extends Spend {
  rubricId: number;
  generatedNoteId: number;
  scoringResult: unknown;
  overallScore: number;
  vendor: string;
  modelName: string;
  temperature: number;
  promptVersion: string;
  durationMs: number;
}

export interface OutcomeOfKind {
  note: NoteOutcome;
  grade: GradeOutcome;
}

/** What a completed job wrote: the job's row, and for a note the grade jobs it planned. */
export interface CompletedOfKind {
  note: { result: ExperimentResult; newGrades: number };
  grade: ExperimentResultScore;
}

export type JobRow = ExperimentResult | ExperimentResultScore;

export interface FailedAttempt {
  error: AttemptError;
  spend: Spend;
  /** The budget is used up: the job ends failed. */
  final: boolean;
  durationMs: number;
  /** False for a job ended without an attempt (its budget was used up before this claim). */
  counted: boolean;
}

export interface UnfinishedJobs {
  planned: number;
  running: number;
}

export interface JobStore {
  /** Moves up to `limit` planned jobs of the experiment to running for the run, under a lease. */
  claim<K extends JobKind>(kind: K, experimentId: number, runId: number, limit: number): Promise<JobOfKind[K][]>;
  /** Stores a successful attempt's outcome and ends the job succeeded; null when no longer the run's. */
  complete<K extends JobKind>(
    kind: K,
    jobId: number,
    runId: number,
    outcome: OutcomeOfKind[K],
  ): Promise<CompletedOfKind[K] | null>;
  /**
   * Records a failed attempt (counted against the job's budget, error and spend kept); with
   * `final` the job ends failed. Returns the job's row, or null when no longer the run's.
   */
  fail(kind: JobKind, jobId: number, runId: number, attempt: FailedAttempt): Promise<JobRow | null>;
  /**
   * Returns the run's running jobs (these ids, or all) to planned; `cutShort` records the attempt
   * that was under way (not counted against the budget). Returns how many were released.
   */
  release(kind: JobKind, runId: number, jobIds: number[] | "all", cutShort: AttemptError | null): Promise<number>;
  /** Extends the lease of the run's running jobs. */
  heartbeat(runId: number): Promise<void>;
  /** Returns the experiment's running jobs whose lease ran out (a dead process's) to planned. */
  reap(experimentId: number): Promise<number>;
  /** Jobs of the experiment not finished yet. */
  countUnfinished(experimentId: number): Promise<UnfinishedJobs>;
}
