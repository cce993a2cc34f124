/**
 * The distributions and the p-value adjustment come from stdlib (@stdlib/*, small single-purpose
 * CommonJS packages with types, tested against reference values and supported on Node 20), not from
 * hand-written approximations.
 */
import padjust from "@stdlib/stats-padjust";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantileFn from "@stdlib/stats-base-dists-t-quantile";

/** The p-quantile of Student's t with df degrees of freedom. */
export function tQuantile(p: number, df: number): number {
  return tQuantileFn(p, df);
}

/** Two-sided p-value of a t statistic. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/**
 * Holm's step-down adjustment (family-wise error), in the input order. A null p-value (a comparison
 * that could not be tested) stays null and does not count in the family.
 */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues.flatMap((p, i) => (p === null || Number.isNaN(p) ? [] : [i]));
  const out: (number | null)[] = pValues.map(() => null);
  if (tested.length === 0) return out;
  const adjusted = padjust(
    tested.map((i) => pValues[i] as number),
    "holm",
  ) as number[];
  tested.forEach((i, k) => (out[i] = adjusted[k]));
  return out;
}
