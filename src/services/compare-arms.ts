/**
 * compareArms: each arm against the baseline arm, paired by case (see docs/statistics.md). An arm is
 * (experiment, combination, overlap); arms may come from different experiments (two versions of a
 * generator on the same cases). SQL sends each arm's grades; case means, tests and intervals come
 * from src/stats.
 */
import type { DataSource } from "typeorm";
import { Experiment } from "../../entities/experiment";
import { ExperimentModel } from "../../entities/experiment-model";
import { badInput, notFound } from "../errors";
import {
  aggregateCriteria,
  caseMeans,
  casesForPower,
  combinationMean,
  criteriaThatMoved,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  holm,
  pairedComparison,
  type CaseMean,
  type CriterionMove,
  type MeanInterval,
  type PairedComparison,
} from "../stats";
import { combinationLabels, type CombinationLabel } from "./combination-labels";
import { describeFrom, fetchCaseNames, fetchGrades, fetchRubrics, type ArmFilter, type GradeRow } from "./statistics-sql";

export const MAX_ARMS = 10;
export const CRITERIA_MOVED = 10;

export type ScoreScale = "overall" | "normalised";

export interface ArmSpec {
  experimentId: number;
  combinationId?: number | null;
  overlap?: number | null;
}

export interface CompareOptions {
  baseline?: number;
  seed?: number;
  scale?: ScoreScale;
  /** The difference the sample size is for; default: the observed |mean difference|. */
  detectDifference?: number | null;
}

export interface ResolvedArm {
  index: number;
  experimentId: number;
  experimentName: string;
  version: string;
  combinationId: number;
  combination: CombinationLabel | null;
  overlap: number;
  label: string;
  cases: number;
  mean: MeanInterval;
}

export interface ArmComparison extends Omit<PairedComparison, "differences"> {
  arm: number;
  baseline: number;
  holmP: number | null;
  detectDifference: number | null;
  casesNeeded: number | null;
  differences: (PairedComparison["differences"][number] & { caseName: string })[];
  criteriaThatMoved: CriterionMove[];
}

export interface ArmsComparison {
  scale: ScoreScale;
  seed: number;
  resamples: number;
  baseline: number;
  arms: ResolvedArm[];
  comparisons: ArmComparison[];
}

async function resolveArm(db: DataSource, spec: ArmSpec, index: number): Promise<Omit<ResolvedArm, "cases" | "mean">> {
  const experiment = await db.getRepository(Experiment).findOneBy({ id: spec.experimentId });
  if (!experiment) throw notFound("experiment", spec.experimentId);
  const combinations = await db
    .getRepository(ExperimentModel)
    .find({ where: { experimentId: experiment.id }, order: { id: "ASC" } });
  let combinationId = spec.combinationId ?? null;
  if (combinationId === null) {
    if (combinations.length !== 1)
      throw badInput(
        `arm ${index}: experiment ${experiment.id} has ${combinations.length} combinations (ids ${combinations.map((c) => c.id).join(", ") || "none"}): say which with combinationId`,
      );
    combinationId = combinations[0].id;
  } else if (!combinations.some((c) => c.id === combinationId)) {
    throw badInput(
      `arm ${index}: combination ${combinationId} is not in experiment ${experiment.id} (its combinations: ${combinations.map((c) => c.id).join(", ") || "none"})`,
    );
  }
  let overlap = spec.overlap ?? null;
  const overlaps = experiment.cycleTranscriptOverlaps;
  if (overlap === null) {
    if (overlaps.length !== 1)
      throw badInput(`arm ${index}: experiment ${experiment.id} has overlaps ${overlaps.join(", ")}: say which with overlap`);
    overlap = overlaps[0];
  } else if (!overlaps.includes(overlap)) {
    throw badInput(`arm ${index}: overlap ${overlap} is not one of experiment ${experiment.id}'s (${overlaps.join(", ")})`);
  }
  const combination = (await combinationLabels(db, experiment.id)).get(combinationId) ?? null;
  return {
    index,
    experimentId: experiment.id,
    experimentName: experiment.name,
    version: experiment.hyperscribeVersion,
    combinationId,
    combination,
    overlap,
    label: `${experiment.name}:${combinationId}${overlaps.length > 1 ? ` @${overlap}` : ""}`,
  };
}

function checkOptions(specs: readonly ArmSpec[], options: CompareOptions): { baseline: number; seed: number } {
  if (specs.length < 2 || specs.length > MAX_ARMS)
    throw badInput(`compareArms needs 2 to ${MAX_ARMS} arms, received ${specs.length}`);
  const baseline = options.baseline ?? 0;
  if (!Number.isInteger(baseline) || baseline < 0 || baseline >= specs.length)
    throw badInput(`baseline must be the index of one of the arms (0 to ${specs.length - 1}), received ${baseline}`);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)
    throw badInput(`seed must be an integer from 0 to 4294967295, received ${seed}`);
  const d = options.detectDifference;
  if (d !== undefined && d !== null && !(Number.isFinite(d) && d > 0))
    throw badInput(`detectDifference must be a positive number, received ${d}`);
  return { baseline, seed };
}

const toCaseMeans = (grades: readonly GradeRow[], scale: ScoreScale): CaseMean[] =>
  caseMeans(
    grades.flatMap((g) => {
      const value = scale === "overall" ? g.overall : g.normalised;
      return value === null ? [] : [{ caseId: g.caseId, noteId: g.noteId, rubricId: g.rubricId, value }];
    }),
  );

export async function compareArms(
  db: DataSource,
  specs: readonly ArmSpec[],
  options: CompareOptions = {},
): Promise<ArmsComparison> {
  const { baseline, seed } = checkOptions(specs, options);
  const scale = options.scale ?? "overall";
  // One after the other, so that the error a client sees is always the first bad arm's.
  const resolved: Omit<ResolvedArm, "cases" | "mean">[] = [];
  for (const [i, spec] of specs.entries()) resolved.push(await resolveArm(db, spec, i));
  const filters: ArmFilter[] = resolved.map((a) => ({
    experimentId: a.experimentId,
    combinationId: a.combinationId,
    overlap: a.overlap,
  }));
  const grades = await Promise.all(filters.map((f) => fetchGrades(db, f)));
  const [names, rubrics] = await Promise.all([
    fetchCaseNames(db, [...new Set(grades.flat().map((g) => g.caseId))]),
    fetchRubrics(db, [...new Set(grades.flat().map((g) => g.rubricId))]),
  ]);
  const means = grades.map((g) => toCaseMeans(g, scale));
  const criteria = grades.map((g) => aggregateCriteria(g, describeFrom(rubrics)));
  const arms: ResolvedArm[] = resolved.map((a, i) => ({ ...a, cases: means[i].length, mean: combinationMean(means[i]) }));

  const comparisons: ArmComparison[] = [];
  for (let i = 0; i < arms.length; i++) {
    if (i === baseline) continue;
    const c = pairedComparison(means[i], means[baseline], { seed, resamples: DEFAULT_RESAMPLES });
    const detectDifference = options.detectDifference ?? (c.difference.mean === null ? null : Math.abs(c.difference.mean));
    comparisons.push({
      ...c,
      arm: i,
      baseline,
      holmP: null,
      detectDifference,
      casesNeeded:
        c.difference.sd === null || detectDifference === null ? null : casesForPower(c.difference.sd, detectDifference),
      differences: c.differences.map((d) => ({ ...d, caseName: names.get(d.caseId) ?? "" })),
      criteriaThatMoved: criteriaThatMoved(criteria[i], criteria[baseline], CRITERIA_MOVED),
    });
  }
  const adjusted = holm(comparisons.map((c) => c.p));
  comparisons.forEach((c, k) => (c.holmP = adjusted[k]));
  return { scale, seed, resamples: DEFAULT_RESAMPLES, baseline, arms, comparisons };
}
