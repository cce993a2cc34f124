/**
 * The run-level SQL (planning, fresh budgets) and the helpers the job store shares; the job SQL
 * itself (claim, complete, fail, release, heartbeat, reap) is in pg-job-store.ts.
 */
import type { EntityManager } from "typeorm";
import { updatedRows } from "../db/updated-rows";
import type { JobKind } from "./types";

type Db = Pick<EntityManager, "query">;

export const JOB_TABLE: Record<JobKind, string> = { note: "experiment_result", grade: "experiment_result_score" };

/** Column names are few and repeat on every row: each is converted once (the regex was ~0.5 % of the server's CPU at zero latency). */
const camelNames = new Map<string, string>();
function camel(key: string): string {
  let name = camelNames.get(key);
  if (name === undefined) camelNames.set(key, (name = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())));
  return name;
}
const DATE_KEYS = new Set(["created", "updated", "startedAt", "finishedAt", "leaseExpiresAt"]);

/** A row as node-postgres returns it (snake_case, numeric as string) in the entity's shape. */
export function toEntityShape<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const name = camel(key);
    if (name === "costUsd") out[name] = value === null ? null : Number(value);
    else if (DATE_KEYS.has(name) && typeof value === "string") out[name] = new Date(value);
    else out[name] = value;
  }
  return out as T;
}

export interface PlannedNote {
  caseId: number;
  caseName: string;
  experimentModelId: number;
  overlap: number;
  replication: number;
  plannedGrades: number;
  vendor: string;
  modelName: string;
}

/** Inserts the note jobs that do not exist yet; returns how many were new. */
export async function insertNoteJobs(
  db: Db,
  experiment: { id: number; name: string; hyperscribeVersion: string },
  notes: PlannedNote[],
): Promise<number> {
  if (notes.length === 0) return 0;
  const rows: unknown[] = await db.query(
    `INSERT INTO experiment_result (experiment_id, experiment_name, hyperscribe_version, case_id, case_name,
       experiment_model_id, cycle_time, cycle_transcript_overlap, note_replication, planned_grades, text_llm_vendor, text_llm_name)
     SELECT $1, $2, $3, n.case_id, n.case_name, n.experiment_model_id, 0, n.overlap, n.replication, n.planned_grades, n.vendor, n.model
     FROM unnest($4::int[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::text[], $11::text[])
       AS n(case_id, case_name, experiment_model_id, overlap, replication, planned_grades, vendor, model)
     ON CONFLICT ON CONSTRAINT experiment_result_job_key DO NOTHING
     RETURNING id`,
    [
      experiment.id,
      experiment.name,
      experiment.hyperscribeVersion,
      notes.map((n) => n.caseId),
      notes.map((n) => n.caseName),
      notes.map((n) => n.experimentModelId),
      notes.map((n) => n.overlap),
      notes.map((n) => n.replication),
      notes.map((n) => n.plannedGrades),
      notes.map((n) => n.vendor),
      notes.map((n) => n.modelName),
    ],
  );
  return rows.length;
}

/** Runs `UPDATE <job table> <rest>` on the note and the grade table; returns the rows changed in both. */
async function updateBothJobTables(db: Db, rest: string, params: unknown[]): Promise<number> {
  let changed = 0;
  for (const table of Object.values(JOB_TABLE)) {
    changed += updatedRows(await db.query(`UPDATE ${table} ${rest} RETURNING id`, params)).length;
  }
  return changed;
}

/** Running jobs of an experiment whose process died: planned again (the caller holds the experiment's lock). */
export function releaseOrphanedJobs(db: Db, experimentId: number): Promise<number> {
  return updateBothJobTables(
    db,
    `SET status = 'planned', started_at = NULL, lease_expires_at = NULL, owner_id = NULL, updated = now()
     WHERE experiment_id = $1 AND status = 'running'`,
    [experimentId],
  );
}

/** With retryFailed: failed jobs get another chance and a fresh attempt budget (their errors stay as history). */
export function replanFailedJobs(db: Db, experimentId: number): Promise<number> {
  return updateBothJobTables(
    db,
    `SET status = 'planned', failed = NULL, finished_at = NULL, failed_attempts = 0, updated = now()
     WHERE experiment_id = $1 AND status = 'failed'`,
    [experimentId],
  );
}
