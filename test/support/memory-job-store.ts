/**
 * A JobStore in memory, for unit tests of the run driver: the same ownership rules as the Postgres
 * store (writes apply only to a job still running for the run), plus hooks that hold or fail a claim
 * so that tests can put a claim "in flight" at a chosen moment.
 */
import type { AttemptError } from "../../entities/job-columns";
import type { CompletedOfKind, FailedAttempt, JobRow, JobStore, OutcomeOfKind, UnfinishedJobs } from "../../src/runner/job-store";
import type { JobKind, JobOfKind } from "../../src/runner/types";

export interface MemoryJob {
  id: number;
  kind: JobKind;
  experimentId: number;
  status: "planned" | "running" | "succeeded" | "failed";
  runId: number | null;
  /** "other" marks a job another process holds. */
  owner: string | null;
  failedAttempts: number;
  attempts: number;
  errors: AttemptError[];
  /** Notes: grades planned when the note succeeds. Grades: the note graded. */
  plannedGrades: number;
  experimentResultId: number;
  leaseExpired: boolean;
}

export class MemoryJobStore implements JobStore {
  readonly jobs: MemoryJob[] = [];
  private nextId = 1;
  /** Awaited at the start of a claim (hold it in flight). */
  claimGate: Partial<Record<JobKind, () => Promise<void>>> = {};
  /** Makes the next claims of a kind fail. */
  claimError: Partial<Record<JobKind, Error>> = {};
  readonly calls: string[] = [];

  constructor(private readonly owner = "me") {}

  addNote(experimentId: number, plannedGrades: number, extra: Partial<MemoryJob> = {}): MemoryJob {
    const job: MemoryJob = {
      id: this.nextId++,
      kind: "note",
      experimentId,
      status: "planned",
      runId: null,
      owner: null,
      failedAttempts: 0,
      attempts: 0,
      errors: [],
      plannedGrades,
      experimentResultId: 0,
      leaseExpired: false,
      ...extra,
    };
    job.experimentResultId ||= job.id;
    this.jobs.push(job);
    return job;
  }

  of(kind: JobKind, status?: MemoryJob["status"]): MemoryJob[] {
    return this.jobs.filter((j) => j.kind === kind && (!status || j.status === status));
  }

  private shape(job: MemoryJob): never {
    return {
      id: job.id,
      experimentId: job.experimentId,
      failedAttempts: job.failedAttempts,
      attempts: job.attempts,
      plannedGrades: job.plannedGrades,
      experimentResultId: job.experimentResultId,
      status: job.status,
    } as never;
  }

  private mine(kind: JobKind, id: number, runId: number): MemoryJob | undefined {
    return this.jobs.find(
      (j) => j.kind === kind && j.id === id && j.runId === runId && j.owner === this.owner && j.status === "running",
    );
  }

  async claim<K extends JobKind>(kind: K, experimentId: number, runId: number, limit: number): Promise<JobOfKind[K][]> {
    this.calls.push(`claim ${kind} ${limit}`);
    await this.claimGate[kind]?.();
    const error = this.claimError[kind];
    if (error) throw error;
    const jobs = this.jobs
      .filter((j) => j.kind === kind && j.experimentId === experimentId && j.status === "planned")
      .slice(0, limit);
    for (const job of jobs) Object.assign(job, { status: "running", runId, owner: this.owner, leaseExpired: false });
    return jobs.map((j) => this.shape(j));
  }

  async complete<K extends JobKind>(
    kind: K,
    jobId: number,
    runId: number,
    _outcome: OutcomeOfKind[K],
  ): Promise<CompletedOfKind[K] | null> {
    const job = this.mine(kind, jobId, runId);
    if (!job) return null;
    Object.assign(job, { status: "succeeded", owner: null, attempts: job.attempts + 1 });
    if (kind === "grade") return this.shape(job);
    for (let i = 0; i < job.plannedGrades; i++) {
      this.jobs.push({
        ...job,
        id: this.nextId++,
        kind: "grade",
        status: "planned",
        runId: null,
        owner: null,
        attempts: 0,
        failedAttempts: 0,
        errors: [],
        plannedGrades: 0,
        experimentResultId: job.id,
      });
    }
    return { result: this.shape(job), newGrades: job.plannedGrades } as unknown as CompletedOfKind[K];
  }

  async fail(kind: JobKind, jobId: number, runId: number, attempt: FailedAttempt): Promise<JobRow | null> {
    const job = this.mine(kind, jobId, runId);
    if (!job) return null;
    const n = attempt.counted ? 1 : 0;
    job.attempts += n;
    job.failedAttempts += n;
    job.errors.push(attempt.error);
    if (attempt.final) Object.assign(job, { status: "failed", owner: null });
    return this.shape(job);
  }

  async release(kind: JobKind, runId: number, jobIds: number[] | "all", cutShort: AttemptError | null): Promise<number> {
    const jobs = this.jobs.filter(
      (j) =>
        j.kind === kind &&
        j.runId === runId &&
        j.owner === this.owner &&
        j.status === "running" &&
        (jobIds === "all" || jobIds.includes(j.id)),
    );
    for (const job of jobs) {
      Object.assign(job, { status: "planned", owner: null });
      if (cutShort) job.errors.push(cutShort);
    }
    return jobs.length;
  }

  async heartbeat(): Promise<void> {
    this.calls.push("heartbeat");
  }

  async reap(experimentId: number): Promise<number> {
    const jobs = this.jobs.filter((j) => j.experimentId === experimentId && j.status === "running" && j.leaseExpired);
    for (const job of jobs) Object.assign(job, { status: "planned", owner: null, leaseExpired: false });
    return jobs.length;
  }

  async countUnfinished(experimentId: number): Promise<UnfinishedJobs> {
    const of = (status: string) => this.jobs.filter((j) => j.experimentId === experimentId && j.status === status).length;
    return { planned: of("planned"), running: of("running") };
  }
}
