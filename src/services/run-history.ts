/**
 * What happened in an experiment's runs, read back from the rows after the fact: the live event
 * stream is gone once a run ends (or the page reloads), but every job keeps its outcome, its
 * finishing time and the error of every failed attempt, and every run its start and end. The last
 * `limit` of these, newest first, are the events a finished run can be reviewed by.
 */
import type { DataSource } from "typeorm";
import { badInput } from "../errors";

export interface PastEvent {
  type: string;
  at: Date;
  runId: number | null;
  resultId: number | null;
  gradeId: number | null;
  caseName: string | null;
  attempt: number | null;
  error: string | null;
}

export interface RunFailures {
  notes: number;
  grades: number;
}

const MAX_EVENTS = 500;

/**
 * One row per event: a job's end (succeeded/failed), each failed attempt that was retried, a run's
 * start and end. A failed job's last error is its `failed` event, not a retry as well.
 */
const EVENTS_SQL = `
WITH jobs AS (
  SELECT 'note' AS kind, r.id AS result_id, NULL::int AS grade_id, r.run_id, r.case_name, r.status::text AS status,
         r.attempts, r.finished_at, r.errors
    FROM experiment_result r WHERE r.experiment_id = $1 AND r.finished_at IS NOT NULL
  UNION ALL
  SELECT 'grade', s.experiment_result_id, s.id, s.run_id, r.case_name, s.status::text, s.attempts, s.finished_at, s.errors
    FROM experiment_result_score s JOIN experiment_result r ON r.id = s.experiment_result_id
   WHERE s.experiment_id = $1 AND (s.finished_at IS NOT NULL OR jsonb_array_length(s.errors) > 0)
)
SELECT * FROM (
  SELECT kind || '_' || status AS type, finished_at AS at, run_id, result_id, grade_id, case_name, attempts AS attempt,
         CASE WHEN status = 'failed' THEN errors -> -1 ->> 'message' END AS error
    FROM jobs WHERE status IN ('succeeded', 'failed') AND finished_at IS NOT NULL
  UNION ALL
  SELECT kind || '_retrying', (e ->> 'at')::timestamptz, run_id, result_id, grade_id, case_name, (e ->> 'attempt')::int,
         e ->> 'message'
    FROM jobs, jsonb_array_elements(errors) WITH ORDINALITY AS x(e, n)
   WHERE NOT (status = 'failed' AND n = jsonb_array_length(errors))
  UNION ALL
  SELECT 'run_started', started_at, id, NULL, NULL, NULL, NULL, NULL FROM experiment_run
   WHERE experiment_id = $1 AND started_at IS NOT NULL
  UNION ALL
  SELECT 'run_' || status::text, finished_at, id, NULL, NULL, NULL, NULL, error FROM experiment_run
   WHERE experiment_id = $1 AND finished_at IS NOT NULL AND status::text != 'running'
) events
ORDER BY at DESC NULLS LAST, type
LIMIT $2`;

export async function pastEvents(db: DataSource, experimentId: number, limit: number): Promise<PastEvent[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS) {
    throw badInput(`limit must be between 1 and ${MAX_EVENTS}, received ${limit}`);
  }
  const rows: {
    type: string;
    at: Date;
    run_id: number | null;
    result_id: number | null;
    grade_id: number | null;
    case_name: string | null;
    attempt: number | null;
    error: string | null;
  }[] = await db.query(EVENTS_SQL, [experimentId, limit]);
  return rows.map((r) => ({
    type: r.type,
    at: r.at,
    runId: r.run_id,
    resultId: r.result_id,
    gradeId: r.grade_id,
    caseName: r.case_name,
    attempt: r.attempt,
    error: r.error,
  }));
}

/** Failed notes and grades of each run (by the run that last worked on the job). */
export async function runFailures(db: DataSource, runIds: number[]): Promise<Map<number, RunFailures>> {
  const rows: { run_id: number; notes: number; grades: number }[] = await db.query(
    `SELECT run_id, SUM(notes)::int AS notes, SUM(grades)::int AS grades FROM (
       SELECT run_id, COUNT(*) AS notes, 0 AS grades FROM experiment_result
        WHERE run_id = ANY($1) AND status = 'failed' GROUP BY run_id
       UNION ALL
       SELECT run_id, 0, COUNT(*) FROM experiment_result_score
        WHERE run_id = ANY($1) AND status = 'failed' GROUP BY run_id) f
     GROUP BY run_id`,
    [runIds],
  );
  const byRun = new Map(runIds.map((id) => [id, { notes: 0, grades: 0 }]));
  for (const row of rows) byRun.set(row.run_id, { notes: row.notes, grades: row.grades });
  return byRun;
}
