/**
 * Krippendorff's alpha for interval data: α = 1 − D_o / D_e, after Krippendorff, "Computing
 * Krippendorff's Alpha-Reliability" (2011). Units may have any number of values (missing values
 * are simply absent); only units with at least 2 values are pairable and count.
 *
 *   D_o = (1 / n) Σ_u (1 / (m_u − 1)) Σ_{i ≠ j in u} (v_i − v_j)²
 *   D_e = (1 / (n (n − 1))) Σ_{i ≠ j over all pairable values} (v_i − v_j)²
 *
 * with n the number of pairable values and m_u the values in unit u. Σ_{i≠j} (v_i − v_j)² over m
 * values is 2 (m Σv² − (Σv)²), so both are computed in one pass.
 */

export interface AlphaResult {
  /** null when there is nothing to compare (fewer than 2 pairable values, or no variation at all). */
  alpha: number | null;
  /** Units with at least 2 values. */
  units: number;
  /** Pairable values. */
  values: number;
}

/** `units`: for each unit, the values the coders (raters, replications) gave it. */
export function krippendorffAlphaInterval(units: readonly (readonly number[])[]): AlphaResult {
  let n = 0;
  let pairableUnits = 0;
  let observed = 0;
  let sum = 0;
  let sumSq = 0;
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    pairableUnits += 1;
    let s = 0;
    let s2 = 0;
    for (const v of unit) {
      s += v;
      s2 += v * v;
    }
    observed += (2 * (m * s2 - s * s)) / (m - 1);
    n += m;
    sum += s;
    sumSq += s2;
  }
  if (n < 2) return { alpha: null, units: pairableUnits, values: n };
  const dO = observed / n;
  const dE = (2 * (n * sumSq - sum * sum)) / (n * (n - 1));
  if (!(dE > 1e-12)) return { alpha: null, units: pairableUnits, values: n };
  return { alpha: 1 - dO / dE, units: pairableUnits, values: n };
}
