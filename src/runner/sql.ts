/**
 * The runner's SQL, raw where locking and batching matter. Every write of a job's outcome is one
 * statement guarded by `run_id = $run AND status = 'running'`: a job that is no longer this run's
 * (released, or taken over after a crash) is never written twice.
 */
import type { EntityManager } from "typeorm";
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { AttemptError } from "../../entities/job-columns";
import type { JobKind } from "./types";

type Db = Pick<EntityManager, "query">;

/**
 * The rows an UPDATE ... RETURNING gave. TypeORM's query() answers a top-level UPDATE or DELETE
 * with [rows, rowCount] (any other statement with the rows), so UPDATE results pass through here.
 */
export function updatedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number")
    return result[0] as T[];
  return result as T[];
}

export const JOB_TABLE: Record<JobKind, string> = { note: "experiment_result", grade: "experiment_result_score" };

/** A claimed grade job also carries what grading needs from its note (its combination picks the grader). */
export type GradeJob = ExperimentResultScore & {
  noteJson: unknown;
  generatedNoteId: number;
  caseId: number;
  noteExperimentModelId: number;
};

const camel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const DATE_KEYS = new Set(["created", "updated", "startedAt", "finishedAt", "leaseExpiresAt"]);

/** A row as node-postgres returns it (snake_case, numeric as string) in the entity's shape. */
export function toEntityShape<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const name = camel(key);
    if (name === "costUsd") out[name] = Number(value);
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

/** Moves up to `limit` planned jobs of the experiment to running for this run, oldest first. */
export async function claimNoteJobs(
  db: Db,
  experimentId: number,
  runId: number,
  limit: number,
  leaseMs: number,
): Promise<ExperimentResult[]> {
  const rows = updatedRows<Record<string, unknown>>(
    await db.query(
      `UPDATE experiment_result SET status = 'running', run_id = $2, started_at = now(), updated = now(),
       lease_expires_at = now() + $4 * interval '1 millisecond'
     WHERE id IN (SELECT id FROM experiment_result WHERE experiment_id = $1 AND status = 'planned'
                  ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
      [experimentId, runId, limit, leaseMs],
    ),
  );
  return rows.map((r) => toEntityShape<ExperimentResult>(r)).sort((a, b) => a.id - b.id);
}

export async function claimGradeJobs(
  db: Db,
  experimentId: number,
  runId: number,
  limit: number,
  leaseMs: number,
): Promise<GradeJob[]> {
  const rows = updatedRows<Record<string, unknown>>(
    await db.query(
      `UPDATE experiment_result_score s SET status = 'running', run_id = $2, started_at = now(), updated = now(),
       lease_expires_at = now() + $4 * interval '1 millisecond'
     FROM experiment_result r
     WHERE r.id = s.experiment_result_id
       AND s.id IN (SELECT id FROM experiment_result_score WHERE experiment_id = $1 AND status = 'planned'
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING s.*, r.note_json AS note_json, r.generated_note_id AS generated_note_id, r.case_id AS case_id,
       r.experiment_model_id AS note_experiment_model_id`,
      [experimentId, runId, limit, leaseMs],
    ),
  );
  return rows.map((r) => toEntityShape<GradeJob>(r)).sort((a, b) => a.id - b.id);
}

export interface Spend {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Keeps a failed attempt's error and what it spent; the job stays running for its next attempt. */
export async function recordFailedAttempt(
  db: Db,
  kind: JobKind,
  jobId: number,
  runId: number,
  error: AttemptError,
  spend: Spend,
): Promise<void> {
  await db.query(
    `UPDATE ${JOB_TABLE[kind]} SET attempts = attempts + 1, errors = errors || $3::jsonb, updated = now(),
       input_tokens = input_tokens + $4, output_tokens = output_tokens + $5, cost_usd = cost_usd + $6
     WHERE id = $1 AND run_id = $2 AND status = 'running'`,
    [jobId, runId, JSON.stringify([error]), spend.inputTokens, spend.outputTokens, spend.costUsd],
  );
}

/** The job's last attempt failed: it ends failed (already counted in attempts by recordFailedAttempt). */
export async function failJob<T>(db: Db, kind: JobKind, jobId: number, runId: number, durationMs: number): Promise<T | null> {
  const rows = updatedRows<Record<string, unknown>>(
    await db.query(
      `UPDATE ${JOB_TABLE[kind]} SET status = 'failed', failed = true, finished_at = now(), updated = now(),
       duration_ms = $3, lease_expires_at = NULL
     WHERE id = $1 AND run_id = $2 AND status = 'running'
     RETURNING *`,
      [jobId, runId, durationMs],
    ),
  );
  return rows.length ? toEntityShape<T>(rows[0]) : null;
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

/**
 * In one statement: stores the note, marks the job succeeded and plans its grade jobs (rubric ×
 * replication, keyed so that nothing is planned twice). Null when the job is no longer this run's.
 */
export async function completeNoteJob(
  db: Db,
  jobId: number,
  runId: number,
  o: NoteOutcome,
): Promise<{ result: ExperimentResult; newGrades: number } | null> {
  const rows: { result: Record<string, unknown> | null; grades: number }[] = await db.query(
    `WITH mine AS (
       SELECT id, case_id FROM experiment_result WHERE id = $1 AND run_id = $2 AND status = 'running' FOR UPDATE
     ), note AS (
       INSERT INTO generated_note (case_id, hyperscribe_version, prompt_version, cycle_count, cycle_transcript_overlap,
         text_llm_vendor, text_llm_name, note_json, failed, input_tokens, output_tokens, cost_usd, duration_ms,
         token_counts, experiment, generator_name, generator_kind, generator_commit,
         staged_questionnaires, transcript2instructions, instruction2parameters, parameters2command)
       SELECT case_id, $3, $4, $5, $6, $7, $8, $9::jsonb, false, $10, $11, $12, $13,
         jsonb_build_object('prompt', $10::int, 'generated', $11::int), true, $18, $19, $20,
         $21::jsonb, $22::jsonb, $23::jsonb, $24::jsonb FROM mine
       RETURNING id
     ), done AS (
       UPDATE experiment_result r SET status = 'succeeded', failed = false, generated_note_id = note.id, note_json = $9::jsonb,
         attempts = r.attempts + 1, finished_at = now(), updated = now(), duration_ms = $13, lease_expires_at = NULL,
         input_tokens = r.input_tokens + $10, output_tokens = r.output_tokens + $11, cost_usd = r.cost_usd + $12
       FROM note WHERE r.id = $1
       RETURNING r.*
     ), grades AS (
       INSERT INTO experiment_result_score (experiment_result_id, experiment_id, rubric_id, grade_replication, text_llm_vendor, text_llm_name)
       SELECT done.id, done.experiment_id, rubric.id, replication, $16, $17
       FROM done CROSS JOIN unnest($14::int[]) AS rubric(id) CROSS JOIN generate_series(1, $15::int) AS replication
       ON CONFLICT ON CONSTRAINT experiment_result_score_job_key DO NOTHING
       RETURNING id
     )
     SELECT (SELECT row_to_json(done) FROM done) AS result, (SELECT count(*) FROM grades)::int AS grades`,
    [
      jobId,
      runId,
      o.hyperscribeVersion,
      o.promptVersion,
      o.cycleCount,
      o.overlap,
      o.vendor,
      o.modelName,
      JSON.stringify(o.noteJson),
      o.inputTokens,
      o.outputTokens,
      o.costUsd,
      o.durationMs,
      o.rubricIds,
      o.gradeReplications,
      o.graderVendor,
      o.graderModelName,
      o.generatorName,
      o.generatorKind,
      o.generatorCommit,
      JSON.stringify(o.artifacts.stagedQuestionnaires),
      JSON.stringify(o.artifacts.transcript2instructions),
      JSON.stringify(o.artifacts.instruction2parameters),
      JSON.stringify(o.artifacts.parameters2command),
    ],
  );
  const row = rows[0];
  if (!row?.result) return null;
  return { result: toEntityShape<ExperimentResult>(row.result), newGrades: row.grades };
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

/** In one statement: stores the score and marks the grade job succeeded. Null when no longer this run's. */
export async function completeGradeJob(
  db: Db,
  jobId: number,
  runId: number,
  o: GradeOutcome,
): Promise<ExperimentResultScore | null> {
  const rows: { grade: Record<string, unknown> | null }[] = await db.query(
    `WITH mine AS (
       SELECT id FROM experiment_result_score WHERE id = $1 AND run_id = $2 AND status = 'running' FOR UPDATE
     ), score_row AS (
       INSERT INTO score (rubric_id, generated_note_id, scoring_result, overall_score, text_llm_vendor, text_llm_name,
         temperature, prompt_version, input_tokens, output_tokens, cost_usd, duration_ms, experiment)
       SELECT $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, true FROM mine
       RETURNING id
     ), done AS (
       UPDATE experiment_result_score s SET status = 'succeeded', failed = false, score_id = score_row.id,
         scoring_result = $5::jsonb,
         attempts = s.attempts + 1, finished_at = now(), updated = now(), duration_ms = $14, lease_expires_at = NULL,
         input_tokens = s.input_tokens + $11, output_tokens = s.output_tokens + $12, cost_usd = s.cost_usd + $13
       FROM score_row WHERE s.id = $1
       RETURNING s.*
     )
     SELECT (SELECT row_to_json(done) FROM done) AS grade`,
    [
      jobId,
      runId,
      o.rubricId,
      o.generatedNoteId,
      JSON.stringify(o.scoringResult),
      o.overallScore,
      o.vendor,
      o.modelName,
      o.temperature,
      o.promptVersion,
      o.inputTokens,
      o.outputTokens,
      o.costUsd,
      o.durationMs,
    ],
  );
  const row = rows[0];
  return row?.grade ? toEntityShape<ExperimentResultScore>(row.grade) : null;
}

/** Returns this run's running jobs (of the given ids, or all) to planned: they run again later. */
export async function releaseJobs(db: Db, kind: JobKind, runId: number, jobIds?: number[]): Promise<number> {
  const rows = updatedRows(
    await db.query(
      `UPDATE ${JOB_TABLE[kind]} SET status = 'planned', started_at = NULL, lease_expires_at = NULL, updated = now()
     WHERE run_id = $1 AND status = 'running' ${jobIds ? "AND id = ANY($2)" : ""}
     RETURNING id`,
      jobIds ? [runId, jobIds] : [runId],
    ),
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
    `SET status = 'planned', started_at = NULL, lease_expires_at = NULL, updated = now() WHERE experiment_id = $1 AND status = 'running'`,
    [experimentId],
  );
}

/** With retryFailed: failed jobs get another chance (their errors stay as history). */
export function replanFailedJobs(db: Db, experimentId: number): Promise<number> {
  return updateBothJobTables(
    db,
    `SET status = 'planned', failed = NULL, finished_at = NULL, updated = now() WHERE experiment_id = $1 AND status = 'failed'`,
    [experimentId],
  );
}

/** Jobs of the experiment not yet finished (planned or running), notes and grades. */
export async function countUnfinishedJobs(db: Db, experimentId: number): Promise<number> {
  const [row]: { n: number }[] = await db.query(
    `SELECT (SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status IN ('planned', 'running'))
          + (SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status IN ('planned', 'running')) AS n`,
    [experimentId],
  );
  return Number(row.n);
}
