/**
 * experimentSummary: per combination × overlap, the counts and failures, the mean and 95 % CI over
 * case means (raw and normalised), cost and tokens, the variance split, agreement and the worst
 * criteria. SQL counts and sends one compact row per grade; src/stats aggregates and infers. See
 * docs/statistics.md.
 */
import type { DataSource } from "typeorm";
import { Experiment } from "../../entities/experiment";
import {
  aggregateCriteria,
  caseMeans,
  combinationMean,
  krippendorffAlphaInterval,
  varianceSplit,
  worstCriteria,
  type AlphaResult,
  type CriterionFigure,
  type MeanInterval,
  type VarianceSplit,
} from "../stats";
import { notFound } from "../errors";
import { combinationLabels, type CombinationLabel } from "./combination-labels";
import {
  describeFrom,
  fetchArmCounts,
  fetchGrades,
  fetchRubrics,
  type ArmCounts,
  type GradeRow,
  type RubricInfo,
} from "./statistics-sql";

export const WORST_CRITERIA = 5;

export interface ArmSummary extends ArmCounts {
  combination: CombinationLabel | null;
  /** Cases with at least one grade (C): the n of the intervals. */
  cases: number;
  score: MeanInterval;
  normalised: MeanInterval;
  varianceSplit: VarianceSplit;
  agreement: { betweenAuthors: AlphaResult; acrossReplications: AlphaResult };
  worstCriteria: CriterionFigure[];
}

export interface ExperimentSummary {
  experimentId: number;
  experimentName: string;
  generator: string;
  version: string;
  arms: ArmSummary[];
}

const armKey = (combinationId: number | null, overlap: number) => `${combinationId ?? "-"}/${overlap}`;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Units for Krippendorff's alpha: between authors (note → each rubric's mean normalised score) and across replications. */
export function agreementOf(grades: readonly GradeRow[]): ArmSummary["agreement"] {
  const byNote = groupBy(grades, (g) => String(g.noteId));
  const authorUnits: number[][] = [];
  const replicationUnits: number[][] = [];
  for (const noteGrades of byNote.values()) {
    const byRubric = groupBy(noteGrades, (g) => String(g.rubricId));
    const authorMeans: number[] = [];
    for (const rubricGrades of byRubric.values()) {
      replicationUnits.push(rubricGrades.map((g) => g.overall));
      const normalised = rubricGrades.flatMap((g) => (g.normalised === null ? [] : [g.normalised]));
      if (normalised.length) authorMeans.push(normalised.reduce((a, b) => a + b, 0) / normalised.length);
    }
    authorUnits.push(authorMeans);
  }
  return {
    betweenAuthors: krippendorffAlphaInterval(authorUnits),
    acrossReplications: krippendorffAlphaInterval(replicationUnits),
  };
}

export function summariseArm(
  counts: ArmCounts,
  grades: readonly GradeRow[],
  rubrics: Map<number, RubricInfo>,
  combination: CombinationLabel | null,
): ArmSummary {
  const overall = caseMeans(grades.map((g) => ({ caseId: g.caseId, noteId: g.noteId, rubricId: g.rubricId, value: g.overall })));
  const normalised = caseMeans(
    grades.flatMap((g) =>
      g.normalised === null ? [] : [{ caseId: g.caseId, noteId: g.noteId, rubricId: g.rubricId, value: g.normalised }],
    ),
  );
  return {
    ...counts,
    combination,
    cases: overall.length,
    score: combinationMean(overall),
    normalised: combinationMean(normalised),
    varianceSplit: varianceSplit(
      grades.map((g) => ({ caseId: g.caseId, noteId: g.noteId, rubricId: g.rubricId, value: g.overall })),
    ),
    agreement: agreementOf(grades),
    worstCriteria: worstCriteria(aggregateCriteria(grades, describeFrom(rubrics)), WORST_CRITERIA),
  };
}

export async function experimentSummary(db: DataSource, experimentId: number): Promise<ExperimentSummary> {
  const experiment = await db.getRepository(Experiment).findOneBy({ id: experimentId });
  if (!experiment) throw notFound("experiment", experimentId);
  const filter = { experimentId, combinationId: null, overlap: null };
  const [counts, grades, labels] = await Promise.all([
    fetchArmCounts(db, filter),
    fetchGrades(db, filter),
    combinationLabels(db, experimentId),
  ]);
  const rubrics = await fetchRubrics(db, [...new Set(grades.map((g) => g.rubricId))]);
  const gradesByArm = groupBy(grades, (g) => armKey(g.combinationId, g.overlap));
  return {
    experimentId,
    experimentName: experiment.name,
    generator: experiment.generator,
    version: experiment.hyperscribeVersion,
    arms: counts.map((c) =>
      summariseArm(
        c,
        gradesByArm.get(armKey(c.combinationId, c.overlap)) ?? [],
        rubrics,
        c.combinationId === null ? null : (labels.get(c.combinationId) ?? null),
      ),
    ),
  };
}
