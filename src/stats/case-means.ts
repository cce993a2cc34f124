/** Case means and the combination mean over them (the case is the unit of analysis). */
import { tInterval } from "./describe";
import type { CaseMean, GradeObservation, MeanInterval } from "./types";

/** Each case's mean over all its grades (every note, rubric and grade replication), by case id. */
export function caseMeans(grades: readonly GradeObservation[]): CaseMean[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const g of grades) {
    const s = sums.get(g.caseId);
    if (s) {
      s.sum += g.value;
      s.n += 1;
    } else sums.set(g.caseId, { sum: g.value, n: 1 });
  }
  return [...sums.entries()].sort(([a], [b]) => a - b).map(([caseId, s]) => ({ caseId, mean: s.sum / s.n, grades: s.n }));
}

/**
 * The combination mean is the mean of its case means, and its 95 % CI a t-interval on them with
 * C − 1 degrees of freedom (C = cases with at least one grade): a case with many grades weighs no
 * more than a case with few, and replications do not pass for independent samples.
 */
export function combinationMean(means: readonly CaseMean[]): MeanInterval {
  return tInterval(means.map((c) => c.mean));
}

/** overall ÷ (sum of the positive weights of its rubric) × 100; null for a rubric without positive weight. */
export function normalisedScore(overall: number, positiveWeight: number): number | null {
  return positiveWeight > 0 ? (overall / positiveWeight) * 100 : null;
}
