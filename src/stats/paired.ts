/** The paired comparison of two arms over the cases they share. */
import { bootstrapMeanInterval, type BootstrapInterval } from "./bootstrap";
import { mean, sampleVariance, tInterval } from "./describe";
import { tTwoSidedP } from "./distributions";
import type { CaseMean, MeanInterval } from "./types";

export interface PairedDifference {
  caseId: number;
  a: number;
  b: number;
  difference: number;
}

export interface PairedComparison {
  /** Cases with grades in both arms: the only ones compared. */
  matched: number;
  /** Case ids graded in only one arm (left out, and reported). */
  droppedA: number[];
  droppedB: number[];
  differences: PairedDifference[];
  /** mean of d_c = case mean A − case mean B, with its 95 % t-interval (matched − 1 df). */
  difference: MeanInterval;
  t: number | null;
  df: number | null;
  /** Two-sided paired t-test p-value (null below 2 matched cases or with no variation). */
  p: number | null;
  bootstrap: BootstrapInterval;
}

/**
 * Matches cases by id and tests the mean of d_c = A − B against 0 with a paired t-test. Never an
 * unpaired test: the same case graded in both arms shares its difficulty, and pairing removes it.
 */
export function pairedComparison(
  a: readonly CaseMean[],
  b: readonly CaseMean[],
  options: { resamples?: number; seed?: number } = {},
): PairedComparison {
  const byCaseB = new Map(b.map((c) => [c.caseId, c.mean]));
  const byCaseA = new Map(a.map((c) => [c.caseId, c.mean]));
  const differences: PairedDifference[] = [];
  for (const c of a) {
    const mb = byCaseB.get(c.caseId);
    if (mb !== undefined) differences.push({ caseId: c.caseId, a: c.mean, b: mb, difference: c.mean - mb });
  }
  differences.sort((x, y) => x.caseId - y.caseId);
  const d = differences.map((x) => x.difference);
  const n = d.length;
  let t: number | null = null;
  let p: number | null = null;
  if (n >= 2) {
    const se = Math.sqrt(sampleVariance(d) / n);
    if (se > 0) {
      t = mean(d) / se;
      p = tTwoSidedP(t, n - 1);
    }
  }
  return {
    matched: n,
    droppedA: a.filter((c) => !byCaseB.has(c.caseId)).map((c) => c.caseId),
    droppedB: b.filter((c) => !byCaseA.has(c.caseId)).map((c) => c.caseId),
    differences,
    difference: tInterval(d),
    t,
    df: n >= 2 ? n - 1 : null,
    p,
    bootstrap: bootstrapMeanInterval(d, options),
  };
}
