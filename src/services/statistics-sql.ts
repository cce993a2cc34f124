/**
 * The SQL behind the statistics: Postgres counts and sums what only needs counting (jobs, failures,
 * cost, tokens) and hands over one compact row per grade (ids, overall score, normalised score, and
 * the satisfactions as a plain array, not the whole scoring_result with its rationales); the
 * aggregation per case and per criterion and the inference are in src/stats.
 *
 * Measured on 20,000 grades (bench/statistics.ts): expanding the criteria with
 * jsonb_array_elements and grouping them in SQL took longer than sending each grade's satisfaction
 * array and aggregating in JavaScript; an inlined positive-weight CTE was computed once per grade,
 * hence MATERIALIZED.
 *
 * A grade's values are read from `score` (overall_score, scoring_result) through
 * experiment_result_score.score_id; experiment_result_score.scoring_result holds the same array
 * (written in the same statement, and migrated together), so the figures are the same whichever
 * table a user's own SQL reads.
 */
import type { DataSource } from "typeorm";
import { JobStatus } from "../../entities/job-status";

/** An arm's filter: one combination and overlap of an experiment (null = all of them, for summaries). */
export interface ArmFilter {
  experimentId: number;
  combinationId: number | null;
  overlap: number | null;
}

const ok = `'${JobStatus.succeeded}'`;
const failed = `'${JobStatus.failed}'`;

/** Rubrics of the experiment's grades with their positive weight (for normalised scores). */
const RUBRIC_WEIGHTS = `
  rubric_weight AS MATERIALIZED (
    SELECT r.id, coalesce((SELECT sum((c ->> 'weight')::float8) FROM jsonb_array_elements(r.rubric) c
                           WHERE c ->> 'sense' = 'positive'), 0) AS positive_weight
    FROM rubric r
    WHERE r.id IN (SELECT DISTINCT rubric_id FROM experiment_result_score WHERE experiment_id = $1)
  )`;

const ARM_WHERE = `er.experiment_id = $1 AND ($2::int IS NULL OR er.experiment_model_id = $2) AND ($3::int IS NULL OR er.cycle_transcript_overlap = $3)`;
const armParams = (f: ArmFilter) => [f.experimentId, f.combinationId, f.overlap];

export interface GradeRow {
  combinationId: number | null;
  overlap: number;
  caseId: number;
  noteId: number;
  rubricId: number;
  overall: number;
  /** null for a rubric without positive weight. */
  normalised: number | null;
  /** Satisfaction per criterion, in rubric order (the existing tool's scale). */
  satisfactions: number[];
}

/** Every succeeded grade of the arm(s), one row each (the variance split and agreement need them). */
export async function fetchGrades(db: DataSource, filter: ArmFilter): Promise<GradeRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH ${RUBRIC_WEIGHTS}
     SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap, er.case_id,
            ers.experiment_result_id AS note_id, ers.rubric_id, s.overall_score AS overall,
            CASE WHEN w.positive_weight > 0 THEN s.overall_score / w.positive_weight * 100 END AS normalised,
            jsonb_path_query_array(s.scoring_result, '$[*].satisfaction') AS satisfactions
     FROM experiment_result_score ers
     JOIN experiment_result er ON er.id = ers.experiment_result_id
     JOIN score s ON s.id = ers.score_id
     JOIN rubric_weight w ON w.id = ers.rubric_id
     WHERE ers.experiment_id = $1 AND ers.status = ${ok} AND ${ARM_WHERE}`,
    armParams(filter),
  );
  return rows.map((r) => ({
    combinationId: r.combination_id as number | null,
    overlap: r.overlap as number,
    caseId: r.case_id as number,
    noteId: r.note_id as number,
    rubricId: r.rubric_id as number,
    overall: r.overall as number,
    normalised: r.normalised as number | null,
    satisfactions: r.satisfactions as number[],
  }));
}

/** Case names by id. */
export async function fetchCaseNames(db: DataSource, caseIds: readonly number[]): Promise<Map<number, string>> {
  const rows: { id: number; name: string }[] = await db.query(`SELECT id, name FROM "case" WHERE id = ANY($1::int[])`, [caseIds]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface ArmCounts {
  combinationId: number | null;
  overlap: number;
  notes: { planned: number; succeeded: number; failed: number; pending: number };
  grades: { planned: number; succeeded: number; failed: number; pending: number };
  casesPlanned: number;
  /** Means over succeeded jobs; null when none succeeded. */
  /** Null when a succeeded note's model has no price (unpriced). */
  costPerNote: number | null;
  costPerGrade: number | null;
  /** Succeeded notes and grades whose cost is unknown (their model has no price). */
  unpricedNotes: number;
  unpricedGrades: number;
  tokensPerNote: number | null;
  tokensPerGrade: number | null;
}

/** The mean of a cost column over the rows matching `filter`; unknown (NULL) when one of them is unpriced. */
function knownMean(column: string, filter: string): string {
  return `CASE WHEN bool_or(${column} IS NULL) FILTER (WHERE ${filter}) THEN NULL
            ELSE avg(${column}) FILTER (WHERE ${filter})::float8 END`;
}

/** Counts, failures, cost and tokens per (combination, overlap). */
export async function fetchArmCounts(db: DataSource, filter: ArmFilter): Promise<ArmCounts[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH notes AS (
       SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap,
              count(*)::int AS planned, count(DISTINCT er.case_id)::int AS cases,
              count(*) FILTER (WHERE er.status = ${ok})::int AS succeeded,
              count(*) FILTER (WHERE er.status = ${failed})::int AS failed,
              ${knownMean("er.cost_usd", `er.status = ${ok}`)} AS cost,
              count(*) FILTER (WHERE er.status = ${ok} AND er.cost_usd IS NULL)::int AS unpriced,
              avg(er.input_tokens + er.output_tokens) FILTER (WHERE er.status = ${ok})::float8 AS tokens
       FROM experiment_result er WHERE ${ARM_WHERE} GROUP BY 1, 2
     ), grades AS (
       SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap,
              count(*)::int AS planned,
              count(*) FILTER (WHERE ers.status = ${ok})::int AS succeeded,
              count(*) FILTER (WHERE ers.status = ${failed})::int AS failed,
              ${knownMean("ers.cost_usd", `ers.status = ${ok}`)} AS cost,
              count(*) FILTER (WHERE ers.status = ${ok} AND ers.cost_usd IS NULL)::int AS unpriced,
              avg(ers.input_tokens + ers.output_tokens) FILTER (WHERE ers.status = ${ok})::float8 AS tokens
       FROM experiment_result_score ers JOIN experiment_result er ON er.id = ers.experiment_result_id
       WHERE ers.experiment_id = $1 AND ${ARM_WHERE} GROUP BY 1, 2
     )
     SELECT n.*, g.planned AS g_planned, g.succeeded AS g_succeeded, g.failed AS g_failed, g.cost AS g_cost, g.tokens AS g_tokens,
            g.unpriced AS g_unpriced
     FROM notes n LEFT JOIN grades g
       ON g.combination_id IS NOT DISTINCT FROM n.combination_id AND g.overlap = n.overlap
     ORDER BY n.combination_id NULLS LAST, n.overlap`,
    armParams(filter),
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => {
    const notePlanned = r.planned as number;
    const noteOk = r.succeeded as number;
    const noteFailed = r.failed as number;
    const gradePlanned = (r.g_planned as number | null) ?? 0;
    const gradeOk = (r.g_succeeded as number | null) ?? 0;
    const gradeFailed = (r.g_failed as number | null) ?? 0;
    return {
      combinationId: r.combination_id as number | null,
      overlap: r.overlap as number,
      casesPlanned: r.cases as number,
      notes: { planned: notePlanned, succeeded: noteOk, failed: noteFailed, pending: notePlanned - noteOk - noteFailed },
      grades: { planned: gradePlanned, succeeded: gradeOk, failed: gradeFailed, pending: gradePlanned - gradeOk - gradeFailed },
      costPerNote: num(r.cost),
      costPerGrade: num(r.g_cost),
      unpricedNotes: r.unpriced as number,
      unpricedGrades: (r.g_unpriced as number | null) ?? 0,
      tokensPerNote: num(r.tokens),
      tokensPerGrade: num(r.g_tokens),
    };
  });
}

export interface RubricInfo {
  caseName: string;
  author: string;
  criteria: { criterion: string; weight: number; sense: string }[];
}

/** The rubrics of the grades: their criteria, case and author. */
export async function fetchRubrics(db: DataSource, rubricIds: readonly number[]): Promise<Map<number, RubricInfo>> {
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT r.id, r.rubric, r.author, k.name AS case_name FROM rubric r JOIN "case" k ON k.id = r.case_id WHERE r.id = ANY($1::int[])`,
    [rubricIds],
  );
  return new Map(
    rows.map((r) => [
      r.id as number,
      { caseName: r.case_name as string, author: r.author as string, criteria: r.rubric as RubricInfo["criteria"] },
    ]),
  );
}

/** describe() for aggregateCriteria: a criterion's text, weight and sense from its rubric. */
export function describeFrom(rubrics: Map<number, RubricInfo>) {
  return (rubricId: number, index: number) => {
    const rubric = rubrics.get(rubricId);
    const c = rubric?.criteria[index];
    return {
      caseName: rubric?.caseName ?? "",
      author: rubric?.author ?? "",
      criterion: c?.criterion ?? "",
      weight: Number(c?.weight ?? 0),
      sense: c?.sense ?? "",
    };
  };
}
