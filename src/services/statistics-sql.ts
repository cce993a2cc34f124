/**
 * The SQL behind the statistics: what Postgres can shrink (counts, sums, per-case means, per-criterion
 * aggregates over the jsonb criteria) it does here; the inference is in src/stats.
 *
 * A grade's values are read from `score` (overall_score, scoring_result) through
 * experiment_result_score.score_id; experiment_result_score.scoring_result holds the same array
 * (written in the same statement, and migrated together), so the figures are the same whichever
 * table a user's own SQL reads.
 */
import type { DataSource } from "typeorm";
import { JobStatus } from "../../entities/job-status";
import type { CriterionAggregate } from "../stats";

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
  rubric_weight AS (
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
}

/** Every succeeded grade of the arm(s), one row each (the variance split and agreement need them). */
export async function fetchGrades(db: DataSource, filter: ArmFilter): Promise<GradeRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH ${RUBRIC_WEIGHTS}
     SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap, er.case_id,
            ers.experiment_result_id AS note_id, ers.rubric_id, s.overall_score AS overall,
            CASE WHEN w.positive_weight > 0 THEN s.overall_score / w.positive_weight * 100 END AS normalised
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
  }));
}

export interface CaseMeanRow {
  caseId: number;
  caseName: string;
  overall: number;
  normalised: number | null;
  grades: number;
}

/** Per-case means of one arm, computed in SQL (the comparison needs nothing finer). */
export async function fetchCaseMeans(db: DataSource, filter: ArmFilter): Promise<CaseMeanRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH ${RUBRIC_WEIGHTS}
     SELECT er.case_id, min(er.case_name) AS case_name, avg(s.overall_score) AS overall,
            avg(CASE WHEN w.positive_weight > 0 THEN s.overall_score / w.positive_weight * 100 END) AS normalised,
            count(*)::int AS grades
     FROM experiment_result_score ers
     JOIN experiment_result er ON er.id = ers.experiment_result_id
     JOIN score s ON s.id = ers.score_id
     JOIN rubric_weight w ON w.id = ers.rubric_id
     WHERE ers.experiment_id = $1 AND ers.status = ${ok} AND ${ARM_WHERE}
     GROUP BY er.case_id ORDER BY er.case_id`,
    armParams(filter),
  );
  return rows.map((r) => ({
    caseId: r.case_id as number,
    caseName: r.case_name as string,
    overall: Number(r.overall),
    normalised: r.normalised === null ? null : Number(r.normalised),
    grades: r.grades as number,
  }));
}

export interface ArmCounts {
  combinationId: number | null;
  overlap: number;
  notes: { planned: number; succeeded: number; failed: number; pending: number };
  grades: { planned: number; succeeded: number; failed: number; pending: number };
  casesPlanned: number;
  /** Means over succeeded jobs; null when none succeeded. */
  costPerNote: number | null;
  costPerGrade: number | null;
  tokensPerNote: number | null;
  tokensPerGrade: number | null;
}

/** Counts, failures, cost and tokens per (combination, overlap). */
export async function fetchArmCounts(db: DataSource, filter: ArmFilter): Promise<ArmCounts[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH notes AS (
       SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap,
              count(*)::int AS planned, count(DISTINCT er.case_id)::int AS cases,
              count(*) FILTER (WHERE er.status = ${ok})::int AS succeeded,
              count(*) FILTER (WHERE er.status = ${failed})::int AS failed,
              avg(er.cost_usd) FILTER (WHERE er.status = ${ok})::float8 AS cost,
              avg(er.input_tokens + er.output_tokens) FILTER (WHERE er.status = ${ok})::float8 AS tokens
       FROM experiment_result er WHERE ${ARM_WHERE} GROUP BY 1, 2
     ), grades AS (
       SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap,
              count(*)::int AS planned,
              count(*) FILTER (WHERE ers.status = ${ok})::int AS succeeded,
              count(*) FILTER (WHERE ers.status = ${failed})::int AS failed,
              avg(ers.cost_usd) FILTER (WHERE ers.status = ${ok})::float8 AS cost,
              avg(ers.input_tokens + ers.output_tokens) FILTER (WHERE ers.status = ${ok})::float8 AS tokens
       FROM experiment_result_score ers JOIN experiment_result er ON er.id = ers.experiment_result_id
       WHERE ers.experiment_id = $1 AND ${ARM_WHERE} GROUP BY 1, 2
     )
     SELECT n.*, g.planned AS g_planned, g.succeeded AS g_succeeded, g.failed AS g_failed, g.cost AS g_cost, g.tokens AS g_tokens
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
      tokensPerNote: num(r.tokens),
      tokensPerGrade: num(r.g_tokens),
    };
  });
}

export interface CriterionAggregateRow extends CriterionAggregate {
  combinationId: number | null;
  overlap: number;
}

/**
 * Per (combination, overlap, rubric, criterion): mean satisfaction, grades, and over the (note,
 * rubric) units with ≥ 2 grade replications, how many flip across 50 (some replication ≥ 50, another
 * < 50). The criteria arrays are expanded and reduced here, so only one row per criterion leaves.
 */
export async function fetchCriterionAggregates(db: DataSource, filter: ArmFilter): Promise<CriterionAggregateRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `WITH unit AS (
       SELECT er.experiment_model_id AS combination_id, er.cycle_transcript_overlap AS overlap, ers.rubric_id,
              (c ->> 'id')::int AS idx, ers.experiment_result_id AS note_id,
              sum((c ->> 'satisfaction')::float8) AS sat_sum, count(*) AS n,
              min((c ->> 'satisfaction')::float8) AS sat_min, max((c ->> 'satisfaction')::float8) AS sat_max
       FROM experiment_result_score ers
       JOIN experiment_result er ON er.id = ers.experiment_result_id
       JOIN score s ON s.id = ers.score_id
       CROSS JOIN LATERAL jsonb_array_elements(s.scoring_result) c
       WHERE ers.experiment_id = $1 AND ers.status = ${ok} AND ${ARM_WHERE}
       GROUP BY 1, 2, 3, 4, 5
     )
     SELECT u.combination_id, u.overlap, u.rubric_id, u.idx,
            sum(u.sat_sum) / sum(u.n) AS mean_satisfaction, sum(u.n)::int AS grades,
            count(*) FILTER (WHERE u.n >= 2)::int AS replicated,
            count(*) FILTER (WHERE u.n >= 2 AND u.sat_min < 50 AND u.sat_max >= 50)::int AS flipped,
            r.rubric -> u.idx ->> 'criterion' AS criterion, (r.rubric -> u.idx ->> 'weight')::float8 AS weight,
            r.rubric -> u.idx ->> 'sense' AS sense, k.name AS case_name, r.author
     FROM unit u JOIN rubric r ON r.id = u.rubric_id JOIN "case" k ON k.id = r.case_id
     GROUP BY u.combination_id, u.overlap, u.rubric_id, u.idx, r.id, k.id`,
    armParams(filter),
  );
  return rows.map((r) => ({
    combinationId: r.combination_id as number | null,
    overlap: r.overlap as number,
    rubricId: r.rubric_id as number,
    index: r.idx as number,
    caseName: r.case_name as string,
    author: r.author as string,
    criterion: (r.criterion as string | null) ?? "",
    weight: Number(r.weight ?? 0),
    sense: (r.sense as string | null) ?? "",
    meanSatisfaction: Number(r.mean_satisfaction),
    grades: r.grades as number,
    replicatedUnits: r.replicated as number,
    flippedUnits: r.flipped as number,
  }));
}
