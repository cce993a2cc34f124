import { registerEnumType } from "type-graphql";

/**
 * The life of one planned note or grade (a job). A job is `planned` when the run expands the
 * experiment, `running` while a worker holds its lease, and ends `succeeded` or `failed` (after its
 * last attempt). A running job whose lease ran out was abandoned by a dead process and goes back
 * to `planned`.
 */
export enum JobStatus {
  planned = "planned",
  running = "running",
  succeeded = "succeeded",
  failed = "failed",
}
registerEnumType(JobStatus, { name: "JobStatus" });

/**
 * The life of a run. `running` while a process drives it; `finished` when every job reached
 * succeeded or failed; `cancelled` by a user; `interrupted` by a shutdown or a dead process (it is
 * resumed by the next start or restart); `failed` when the run itself broke (not a job), or when the
 * vendor kept refusing a key; `paused` when the vendor refused for quota or billing (the jobs wait,
 * planned, for the next start).
 */
export enum RunStatus {
  running = "running",
  finished = "finished",
  cancelled = "cancelled",
  interrupted = "interrupted",
  failed = "failed",
  paused = "paused",
}
registerEnumType(RunStatus, { name: "RunStatus" });
