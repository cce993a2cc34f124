/** Means, variances and t-intervals over plain arrays. */
import { tQuantile } from "./distributions";
import type { MeanInterval } from "./types";

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n − 1 in the denominator); NaN below 2 values. */
export function sampleVariance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (n - 1);
}

/** mean ± t(0.975, n − 1) × sd / √n: the 95 % confidence interval of the mean. */
export function tInterval(values: readonly number[], level = 0.95): MeanInterval {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, lo: null, hi: null };
  const m = mean(values);
  if (n < 2) return { n, mean: m, sd: null, lo: null, hi: null };
  const sd = Math.sqrt(sampleVariance(values));
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, lo: m - half, hi: m + half };
}

/** Quantile by linear interpolation between order statistics (R type 7, NumPy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
