/**
 * The JobStore on Postgres: the runner's job SQL, raw where locking and batching matter.
 *
 * Every write of a job is one statement guarded by `id = $job AND run_id = $run AND owner_id =
 * $owner AND status = 'running'`: a job that is no longer this process's claim for this run
 * (released, reaped after its lease ran out, or finished by someone else) is never written twice.
 */
import type { EntityManager } from "typeorm";
import type { ExperimentResult } from "../../entities/experiment-result";
import type { ExperimentResultScore } from "../../entities/experiment-result-score";
import type { AttemptError } from "../../entities/job-columns";
import { JobStatus } from "../../entities/job-status";
import type {
  CompletedOfKind,
  FailedAttempt,
  GradeOutcome,
  JobRow,
  JobStore,
  NoteOutcome,
  OutcomeOfKind,
  UnfinishedJobs,
} from "./job-store";
import { updatedRows } from "../db/updated-rows";
import { JOB_TABLE, toEntityShape } from "./sql";
import type { GradeJob, JobKind, JobOfKind, NoteJob } from "./types";

type Db = Pick<EntityManager, "query">;

const { planned, running, failed } = JobStatus;

export interface PgJobStoreOptions {
  /** This process's id, written on the jobs it claims. */
  ownerId: string;
  /** How long a claim holds without a heartbeat. */
  leaseMs: number;
}

export class PgJobStore implements JobStore {
  constructor(
    private readonly db: Db,
    private readonly options: PgJobStoreOptions,
  ) {}

  async claim<K extends JobKind>(kind: K, experimentId: number, runId: number, limit: number): Promise<JobOfKind[K][]> {
    const jobs =
      kind === "note" ? await this.claimNotes(experimentId, runId, limit) : await this.claimGrades(experimentId, runId, limit);
    return jobs as JobOfKind[K][];
  }

  // Oldest first: the (experiment_id, status, id) index serves `ORDER BY id LIMIT n` without a sort.
  private async claimNotes(experimentId: number, runId: number, limit: number): Promise<NoteJob[]> {
    const rows = updatedRows<Record<string, unknown>>(
      await this.db.query(
        `UPDATE experiment_result SET status = '${running}', run_id = $2, owner_id = $5, started_at = now(), updated = now(),
           lease_expires_at = now() + $4 * interval '1 millisecond'
         WHERE id IN (SELECT id FROM experiment_result WHERE experiment_id = $1 AND status = '${planned}'
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [experimentId, runId, limit, this.options.leaseMs, this.options.ownerId],
      ),
    );
    return rows.map((r) => toEntityShape<ExperimentResult>(r)).sort((a, b) => a.id - b.id);
  }

  private async claimGrades(experimentId: number, runId: number, limit: number): Promise<GradeJob[]> {
    const rows = updatedRows<Record<string, unknown>>(
      await this.db.query(
        `UPDATE experiment_result_score s SET status = '${running}', run_id = $2, owner_id = $5, started_at = now(), updated = now(),
           lease_expires_at = now() + $4 * interval '1 millisecond'
         FROM experiment_result r
         WHERE r.id = s.experiment_result_id
           AND s.id IN (SELECT id FROM experiment_result_score WHERE experiment_id = $1 AND status = '${planned}'
                        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING s.*, r.note_json AS note_json, r.generated_note_id AS generated_note_id, r.case_id AS case_id,
           r.experiment_model_id AS note_experiment_model_id`,
        [experimentId, runId, limit, this.options.leaseMs, this.options.ownerId],
      ),
    );
    return rows.map((r) => toEntityShape<GradeJob>(r)).sort((a, b) => a.id - b.id);
  }

  complete<K extends JobKind>(
    kind: K,
    jobId: number,
    runId: number,
    outcome: OutcomeOfKind[K],
  ): Promise<CompletedOfKind[K] | null> {
    const done =
      kind === "note"
        ? this.completeNote(jobId, runId, outcome as NoteOutcome)
        : this.completeGrade(jobId, runId, outcome as GradeOutcome);
    return done as Promise<CompletedOfKind[K] | null>;
  }

  /** In one statement: stores the note, ends the job succeeded and plans its grade jobs (keyed: nothing twice). */
  private async completeNote(jobId: number, runId: number, o: NoteOutcome): Promise<CompletedOfKind["note"] | null> {
    const rows: { result: Record<string, unknown> | null; grades: number }[] = await this.db.query(
      `WITH mine AS (
         SELECT id, case_id FROM experiment_result
         WHERE id = $1 AND run_id = $2 AND owner_id = $18 AND status = '${running}' FOR UPDATE
       ), note AS (
         INSERT INTO generated_note (case_id, hyperscribe_version, prompt_version, cycle_count, cycle_transcript_overlap,
           text_llm_vendor, text_llm_name, note_json, failed, input_tokens, output_tokens, cost_usd, duration_ms,
           token_counts, experiment, generator_name, generator_kind, generator_commit,
           staged_questionnaires, transcript2instructions, instruction2parameters, parameters2command)
         SELECT case_id, $3, $4, $5, $6, $7, $8, $9::jsonb, false, $10, $11, $12, $13,
           jsonb_build_object('prompt', $10::int, 'generated', $11::int), true, $19, $20, $21,
           $22::jsonb, $23::jsonb, $24::jsonb, $25::jsonb FROM mine
         RETURNING id
       ), done AS (
         UPDATE experiment_result r SET status = 'succeeded', failed = false, generated_note_id = note.id, note_json = $9::jsonb,
           attempts = r.attempts + 1, finished_at = now(), updated = now(), duration_ms = $13, lease_expires_at = NULL, owner_id = NULL,
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
        this.options.ownerId,
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

  /** In one statement: stores the score and ends the grade job succeeded. */
  private async completeGrade(jobId: number, runId: number, o: GradeOutcome): Promise<ExperimentResultScore | null> {
    const rows: { grade: Record<string, unknown> | null }[] = await this.db.query(
      `WITH mine AS (
         SELECT id FROM experiment_result_score
         WHERE id = $1 AND run_id = $2 AND owner_id = $15 AND status = '${running}' FOR UPDATE
       ), score_row AS (
         INSERT INTO score (rubric_id, generated_note_id, scoring_result, overall_score, text_llm_vendor, text_llm_name,
           temperature, prompt_version, input_tokens, output_tokens, cost_usd, duration_ms, experiment)
         SELECT $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, true FROM mine
         RETURNING id
       ), done AS (
         UPDATE experiment_result_score s SET status = 'succeeded', failed = false, score_id = score_row.id,
           scoring_result = $5::jsonb,
           attempts = s.attempts + 1, finished_at = now(), updated = now(), duration_ms = $14, lease_expires_at = NULL, owner_id = NULL,
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
        this.options.ownerId,
      ],
    );
    const row = rows[0];
    return row?.grade ? toEntityShape<ExperimentResultScore>(row.grade) : null;
  }

  async fail(kind: JobKind, jobId: number, runId: number, a: FailedAttempt): Promise<JobRow | null> {
    // A final failure ends the job; otherwise it stays running (and ours) for its next attempt.
    const rows = updatedRows<Record<string, unknown>>(
      await this.db.query(
        `UPDATE ${JOB_TABLE[kind]} SET attempts = attempts + $10::int, failed_attempts = failed_attempts + $10::int,
           errors = errors || $4::jsonb, updated = now(),
           input_tokens = input_tokens + $5, output_tokens = output_tokens + $6, cost_usd = cost_usd + $7,
           status = CASE WHEN $8 THEN '${failed}'::job_status ELSE status END,
           failed = CASE WHEN $8 THEN true ELSE failed END,
           finished_at = CASE WHEN $8 THEN now() ELSE finished_at END,
           duration_ms = CASE WHEN $8 THEN $9 ELSE duration_ms END,
           lease_expires_at = CASE WHEN $8 THEN NULL ELSE lease_expires_at END,
           owner_id = CASE WHEN $8 THEN NULL ELSE owner_id END
         WHERE id = $1 AND run_id = $2 AND owner_id = $3 AND status = '${running}'
         RETURNING *`,
        [
          jobId,
          runId,
          this.options.ownerId,
          JSON.stringify([a.error]),
          a.spend.inputTokens,
          a.spend.outputTokens,
          a.spend.costUsd,
          a.final,
          a.durationMs,
          a.counted ? 1 : 0,
        ],
      ),
    );
    return rows.length ? toEntityShape<JobRow>(rows[0]) : null;
  }

  async release(kind: JobKind, runId: number, jobIds: number[] | "all", cutShort: AttemptError | null): Promise<number> {
    const rows = updatedRows(
      await this.db.query(
        `UPDATE ${JOB_TABLE[kind]} SET status = '${planned}', started_at = NULL, lease_expires_at = NULL, owner_id = NULL,
           updated = now(), errors = CASE WHEN $3::jsonb IS NULL THEN errors ELSE errors || $3::jsonb END
         WHERE run_id = $1 AND owner_id = $2 AND status = '${running}' ${jobIds === "all" ? "" : "AND id = ANY($4)"}
         RETURNING id`,
        [runId, this.options.ownerId, cutShort ? JSON.stringify([cutShort]) : null, ...(jobIds === "all" ? [] : [jobIds])],
      ),
    );
    return rows.length;
  }

  async heartbeat(runId: number): Promise<void> {
    for (const table of Object.values(JOB_TABLE)) {
      await this.db.query(
        `UPDATE ${table} SET lease_expires_at = now() + $3 * interval '1 millisecond'
         WHERE run_id = $1 AND owner_id = $2 AND status = '${running}'`,
        [runId, this.options.ownerId, this.options.leaseMs],
      );
    }
  }

  async reap(experimentId: number): Promise<number> {
    const lost: AttemptError = {
      attempt: 0,
      at: new Date().toISOString(),
      kind: "interrupted",
      message: "the process working on it stopped answering (its lease ran out); planned again",
    };
    let reaped = 0;
    for (const table of Object.values(JOB_TABLE)) {
      const rows = updatedRows(
        await this.db.query(
          `UPDATE ${table} SET status = '${planned}', started_at = NULL, lease_expires_at = NULL, owner_id = NULL,
             updated = now(), errors = errors || jsonb_build_array($2::jsonb || jsonb_build_object('attempt', failed_attempts + 1))
           WHERE experiment_id = $1 AND status = '${running}' AND lease_expires_at < now()
           RETURNING id`,
          [experimentId, JSON.stringify(lost)],
        ),
      );
      reaped += rows.length;
    }
    return reaped;
  }

  async countUnfinished(experimentId: number): Promise<UnfinishedJobs> {
    const [row]: { planned: string; running: string }[] = await this.db.query(
      `SELECT (SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = '${planned}')
            + (SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = '${planned}') AS planned,
              (SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = '${running}')
            + (SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = '${running}') AS running`,
      [experimentId],
    );
    return { planned: Number(row.planned), running: Number(row.running) };
  }
}
