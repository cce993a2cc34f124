/** How many cases a paired comparison needs. */
import { tQuantile } from "./distributions";

export const POWER = 0.8;
export const ALPHA = 0.05;

/**
 * The smallest number of cases n with n ≥ ((t(1 − α/2, n − 1) + t(power, n − 1)) × sd / δ)², the
 * usual t-based approximation for a two-sided paired t-test that detects a mean difference δ with
 * the given power, sd being the standard deviation of the case differences d_c. Null when sd or δ
 * is not positive and finite.
 */
export function casesForPower(sd: number, delta: number, power = POWER, alpha = ALPHA): number | null {
  if (!(sd > 0) || !Number.isFinite(sd) || !(Math.abs(delta) > 0) || !Number.isFinite(delta)) return null;
  const ratio = sd / Math.abs(delta);
  // t quantiles exceed the normal ones, so the normal-theory n is a lower bound to start from.
  const start = Math.max(2, Math.floor(((tQuantile(1 - alpha / 2, 1e12) + tQuantile(power, 1e12)) * ratio) ** 2));
  for (let n = start; n <= 10_000_000; n++) {
    const needed = ((tQuantile(1 - alpha / 2, n - 1) + tQuantile(power, n - 1)) * ratio) ** 2;
    if (n >= needed) return n;
  }
  return null;
}
