/**
 * Progress, exact from the database: one statement of two aggregates over the experiment's jobs
 * (both served by the (experiment_id, status) indexes) and the experiment's latest run.
 */
import type { EntityManager } from "typeorm";
import type { RunStatus } from "../../entities/job-status";
import { queryKeyLimits } from "./progress-limits";
import type { JobCounts, Progress } from "./types";

type Db = Pick<EntityManager, "query">;

interface StatusRow {
  status: "planned" | "running" | "succeeded" | "failed";
  n: number;
  /** Numbers through json_agg. */
  input_tokens: string | number;
  output_tokens: string | number;
  cost_usd: string | number | null;
  unpriced: number;
  planned_grades?: string | number;
}

export interface RunTiming {
  id: number;
  status: RunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  budgetUsd: number | null;
  spentUsd: number;
}

/** A sum with an unknown term (a job on a model without a price: cost_usd NULL) is unknown. */
const COST_SUM = `CASE WHEN bool_or(cost_usd IS NULL) THEN NULL ELSE sum(cost_usd) END AS cost_usd,
  count(*) FILTER (WHERE cost_usd IS NULL)::int AS unpriced`;

const emptyCounts = (): JobCounts => ({ expected: 0, succeeded: 0, failed: 0, running: 0, pending: 0 });

/**
 * The pace of this run so far (finished jobs per ms since it started) gives the ETA of what is left.
 * `finishedThisRun` counts jobs finished since the run started.
 */
export function estimateEtaMs(remaining: number, finishedThisRun: number, elapsedMs: number): number | null {
  if (remaining === 0) return 0;
  if (finishedThisRun === 0 || elapsedMs <= 0) return null;
  return Math.round((remaining * elapsedMs) / finishedThisRun);
}

/**
 * One statement, so that every count comes from one snapshot of the database: with separate queries
 * a note that succeeded between them counted both its planned grades and its grade rows, and
 * progress read twice could go backwards.
 */
export async function queryProgress(db: Db, experimentId: number): Promise<Progress> {
  const { run, ...counts } = await queryCounts(db, experimentId);
  // The vendors' limits are the cluster's now, not this snapshot's: read after it.
  return { ...counts, limits: await queryKeyLimits(db, experimentId, run) };
}

/** The progress without the vendors' limits: one statement (what events are stamped with). */
export async function queryCounts(db: Db, experimentId: number): Promise<Omit<Progress, "limits"> & { run: RunTiming | null }> {
  const [row]: { notes: StatusRow[]; grades: StatusRow[]; run: RunRow | null; finished_this_run: string }[] = await db.query(
    `WITH run AS (
       SELECT id, status, started_at, finished_at, budget_usd, spent_usd FROM experiment_run
       WHERE experiment_id = $1 ORDER BY id DESC LIMIT 1
     ), notes AS (
       SELECT status, count(*)::int AS n, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
              ${COST_SUM}, sum(planned_grades) AS planned_grades,
              count(*) FILTER (WHERE run_id = (SELECT id FROM run))::int AS this_run
       FROM experiment_result WHERE experiment_id = $1 GROUP BY status
     ), grades AS (
       SELECT status, count(*)::int AS n, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
              ${COST_SUM}, count(*) FILTER (WHERE run_id = (SELECT id FROM run))::int AS this_run
       FROM experiment_result_score WHERE experiment_id = $1 GROUP BY status
     )
     SELECT (SELECT coalesce(json_agg(notes), '[]') FROM notes) AS notes,
            (SELECT coalesce(json_agg(grades), '[]') FROM grades) AS grades,
            (SELECT row_to_json(run) FROM run) AS run,
            (SELECT coalesce(sum(this_run), 0) FROM (SELECT status, this_run FROM notes UNION ALL SELECT status, this_run FROM grades) f
             WHERE status IN ('succeeded', 'failed')) AS finished_this_run`,
    [experimentId],
  );
  const run: RunTiming | null = row.run
    ? {
        id: row.run.id,
        status: row.run.status,
        startedAt: row.run.started_at ? new Date(row.run.started_at) : null,
        finishedAt: row.run.finished_at ? new Date(row.run.finished_at) : null,
        budgetUsd: row.run.budget_usd === null ? null : Number(row.run.budget_usd),
        spentUsd: Number(row.run.spent_usd),
      }
    : null;
  return { ...buildProgress(experimentId, row.notes, row.grades, run, Number(row.finished_this_run)), run };
}

/** The run as row_to_json gives it (timestamps as text). */
interface RunRow {
  id: number;
  status: RunStatus;
  started_at: string | null;
  finished_at: string | null;
  budget_usd: number | null;
  spent_usd: number;
}

function buildProgress(
  experimentId: number,
  noteRows: StatusRow[],
  gradeRows: StatusRow[],
  run: RunTiming | null,
  finishedThisRun: number,
): Omit<Progress, "limits"> {
  const notes = emptyCounts();
  const grades = emptyCounts();
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd: number | null = 0;
  let unpriced = 0;
  const addCost = (row: StatusRow) => {
    unpriced += row.unpriced;
    costUsd = costUsd === null || row.cost_usd === null ? null : costUsd + Number(row.cost_usd);
  };
  let gradesOfLiveNotes = 0; // grades that notes not failed will have planned
  let gradesOfDoneNotes = 0; // of those, what succeeded notes already planned as rows
  for (const row of noteRows) {
    notes.expected += row.n;
    if (row.status === "planned") notes.pending += row.n;
    else notes[row.status] += row.n;
    if (row.status !== "failed") gradesOfLiveNotes += Number(row.planned_grades ?? 0);
    if (row.status === "succeeded") gradesOfDoneNotes += Number(row.planned_grades ?? 0);
    inputTokens += Number(row.input_tokens ?? 0);
    outputTokens += Number(row.output_tokens ?? 0);
    addCost(row);
  }
  let gradeRowsTotal = 0;
  for (const row of gradeRows) {
    gradeRowsTotal += row.n;
    if (row.status === "planned") grades.pending += row.n;
    else grades[row.status] += row.n;
    inputTokens += Number(row.input_tokens ?? 0);
    outputTokens += Number(row.output_tokens ?? 0);
    addCost(row);
  }
  // Grade rows exist once their note succeeded; before that, a note's planned_grades stand in for them.
  const notYetPlanned = Math.max(0, gradesOfLiveNotes - gradesOfDoneNotes);
  grades.expected = gradeRowsTotal + notYetPlanned;
  grades.pending += notYetPlanned;
  const now = Date.now();
  const elapsedMs = run?.startedAt ? (run.finishedAt ?? new Date(now)).getTime() - run.startedAt.getTime() : 0;
  const remaining = notes.pending + notes.running + grades.pending + grades.running;
  return {
    experimentId,
    runId: run?.id ?? null,
    runStatus: run?.status ?? null,
    notes,
    grades,
    inputTokens,
    outputTokens,
    costUsd: costUsd === null ? null : Math.round(costUsd * 1e6) / 1e6,
    unpriced,
    budgetUsd: run?.budgetUsd ?? null,
    spentUsd: run && run.budgetUsd !== null ? run.spentUsd : null,
    elapsedMs: Math.max(0, elapsedMs),
    etaMs: run?.status === "running" ? estimateEtaMs(remaining, finishedThisRun, elapsedMs) : remaining === 0 ? 0 : null,
    done: notes.expected > 0 && remaining === 0,
    at: now,
  };
}
