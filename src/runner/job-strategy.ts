/**
 * What differs between a note job and a grade job, so that the driver has one job loop: the work of
 * one attempt (the model calls), and what a finished job means to the rest of the run.
 */
import type { CompletedOfKind, JobRow, OutcomeOfKind } from "./job-store";
import type { JobKind, JobOfKind } from "./types";

export interface JobStrategy<K extends JobKind> {
  readonly kind: K;
  /** The note job that events about this job name (a grade's: the note it grades). */
  resultIdOf(job: JobOfKind[K]): number;
  /** Expected grades that this job's failure takes away (a failed note plans none). */
  gradesLostOnFailure(job: JobOfKind[K]): number;
  /**
   * One attempt: the model calls, with the run's signal. Resolves with what to store (durationMs
   * counted from `startedAt`, the job's first attempt in this claim); throws when the attempt failed.
   * `attempt` counts from 1 over the job's life (note generators are told which attempt they make).
   */
  attempt(job: JobOfKind[K], signal: AbortSignal, startedAt: number, attempt: number): Promise<OutcomeOfKind[K]>;
  /** The stored row, for events, and the kind of job the completion planned, if any (a note plans grades). */
  completed(done: CompletedOfKind[K]): { row: JobRow; planned: JobKind | null };
}

/** The driver's two strategies. */
export type JobStrategies = { [K in JobKind]: JobStrategy<K> };
