/** A seeded case-level bootstrap of a mean. */
import mt19937 from "@stdlib/random-base-mt19937";
import { quantileSorted } from "./describe";

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_SEED = 20_261_127;

export interface BootstrapInterval {
  lo: number | null;
  hi: number | null;
  resamples: number;
  seed: number;
}

/**
 * Percentile bootstrap 95 % CI of the mean: `resamples` times, draw values.length values with
 * replacement and take their mean; the interval is the 2.5th and 97.5th percentiles (linear
 * interpolation) of those means. The Mersenne Twister seeded with `seed` makes the answer
 * reproducible: the same values and seed always give the same interval.
 */
export function bootstrapMeanInterval(
  values: readonly number[],
  options: { resamples?: number; seed?: number; level?: number } = {},
): BootstrapInterval {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const level = options.level ?? 0.95;
  const n = values.length;
  if (n < 2) return { lo: null, hi: null, resamples, seed };
  // uint32 draws (0..2^32 − 1) scaled to an index: each index gets the same share of draws to
  // within 2^-32 (the typings lack the generator's `normalized` variant).
  const rand = mt19937.factory({ seed });
  const data = Float64Array.from(values);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[Math.floor((rand() / 4294967296) * n)];
    means[r] = sum / n;
  }
  means.sort();
  return {
    lo: quantileSorted(means, (1 - level) / 2),
    hi: quantileSorted(means, 1 - (1 - level) / 2),
    resamples,
    seed,
  };
}
