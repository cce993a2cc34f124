/** Means, intervals, paired comparisons, Holm and sample size against SciPy (test/fixtures/stats). */
import reference from "./fixtures/stats/reference.json";
import {
  bootstrapMeanInterval,
  caseMeans,
  casesForPower,
  combinationMean,
  holm,
  normalisedScore,
  pairedComparison,
  tInterval,
  type CaseMean,
} from "../src/stats";

const close = (actual: number | null, expected: number, digits = 9) => expect(actual).toBeCloseTo(expected, digits);
const asCases = (values: number[], firstId = 1): CaseMean[] =>
  values.map((mean, i) => ({ caseId: firstId + i, mean, grades: 1 }));

describe("tInterval", () => {
  test.each(reference.tIntervals.map((r) => [r.values.length, r] as const))(
    "matches scipy's t.interval with %i values",
    (_, r) => {
      const ci = tInterval(r.values);
      close(ci.mean, r.mean);
      close(ci.sd, r.sd);
      close(ci.lo, r.lo);
      close(ci.hi, r.hi);
    },
  );

  test("has no interval below two values", () => {
    expect(tInterval([3])).toEqual({ n: 1, mean: 3, sd: null, lo: null, hi: null });
    expect(tInterval([])).toEqual({ n: 0, mean: null, sd: null, lo: null, hi: null });
  });
});

describe("case means and the combination mean", () => {
  test("weigh every case once, however many grades it has (unbalanced design)", () => {
    const grades = [
      ...[10, 20, 30, 40].map((value, i) => ({ caseId: 1, noteId: i, rubricId: 1, value })), // 4 grades, mean 25
      { caseId: 2, noteId: 9, rubricId: 2, value: 75 }, // 1 grade (its other notes failed)
    ];
    const means = caseMeans(grades);
    expect(means).toEqual([
      { caseId: 1, mean: 25, grades: 4 },
      { caseId: 2, mean: 75, grades: 1 },
    ]);
    const ci = combinationMean(means);
    expect(ci.mean).toBe(50); // not the grade mean 39
    close(ci.lo, 50 - 12.706204736174707 * 25, 6); // t(0.975, 1) × sd 35.36 / √2
  });

  test("normalise by the rubric's positive weight", () => {
    expect(normalisedScore(61.15, 120)).toBeCloseTo(50.958, 3);
    expect(normalisedScore(-10, 0)).toBeNull();
  });
});

describe("pairedComparison", () => {
  test.each(reference.paired.map((r, i) => [i, r] as const))("matches scipy's ttest_rel and t.interval (data set %i)", (_, r) => {
    const c = pairedComparison(asCases(r.a), asCases(r.b), { seed: 7 });
    expect(c.matched).toBe(r.a.length);
    close(c.difference.mean, r.meanDiff);
    close(c.difference.lo, r.lo);
    close(c.difference.hi, r.hi);
    close(c.t, r.t);
    close(c.p, r.p);
    // the bootstrap is Monte Carlo: a different generator lands within a few percent of the width
    const width = r.bootstrapHi - r.bootstrapLo;
    expect(Math.abs(c.bootstrap.lo! - r.bootstrapLo)).toBeLessThan(0.05 * width);
    expect(Math.abs(c.bootstrap.hi! - r.bootstrapHi)).toBeLessThan(0.05 * width);
    expect(c.bootstrap).toMatchObject({ resamples: 10_000, seed: 7 });
  });

  test("finds the difference that an unpaired test on the same data misses", () => {
    const r = reference.paired[0];
    expect(r.unpairedP).toBeGreaterThan(0.5); // scipy's ttest_ind: the case-to-case spread hides it
    const c = pairedComparison(asCases(r.a), asCases(r.b));
    expect(c.p!).toBeLessThan(0.05);
    expect(c.difference.lo!).toBeGreaterThan(0);
  });

  test("matches cases by id and reports the cases only one arm has", () => {
    const a: CaseMean[] = [
      { caseId: 3, mean: 50, grades: 2 },
      { caseId: 1, mean: 60, grades: 2 },
      { caseId: 7, mean: 10, grades: 1 },
    ];
    const b: CaseMean[] = [
      { caseId: 1, mean: 55, grades: 2 },
      { caseId: 3, mean: 49, grades: 2 },
      { caseId: 4, mean: 90, grades: 2 },
    ];
    const c = pairedComparison(a, b);
    expect(c.matched).toBe(2);
    expect(c.droppedA).toEqual([7]);
    expect(c.droppedB).toEqual([4]);
    expect(c.differences.map((d) => [d.caseId, d.difference])).toEqual([
      [1, 5],
      [3, 1],
    ]);
    expect(c.difference.mean).toBe(3);
  });

  test("gives no test with one matched case or no variation, rather than a wrong one", () => {
    expect(pairedComparison(asCases([1]), asCases([2])).p).toBeNull();
    const same = pairedComparison(asCases([5, 6, 7]), asCases([4, 5, 6]));
    expect(same.difference.mean).toBe(1);
    expect(same.p).toBeNull();
  });
});

describe("bootstrapMeanInterval", () => {
  test("is reproducible for a seed and moves with it", () => {
    const d = reference.paired[1].a;
    const one = bootstrapMeanInterval(d, { seed: 42 });
    expect(bootstrapMeanInterval(d, { seed: 42 })).toEqual(one);
    expect(bootstrapMeanInterval(d, { seed: 43 }).lo).not.toBe(one.lo);
  });
});

describe("holm", () => {
  test.each(reference.holm.map((r) => [r.p.join(", "), r] as const))("matches the step-down adjustment of %s", (_, r) => {
    holm(r.p).forEach((p, i) => close(p, r.adjusted[i], 12));
  });

  test("leaves untestable comparisons out of the family", () => {
    expect(holm([0.01, null, 0.04])).toEqual([0.02, null, 0.04]);
  });
});

describe("casesForPower", () => {
  test.each(reference.sampleSize.map((r) => [r.sd, r.delta, r] as const))("sd %d, difference %d: SciPy's n", (_, __, r) => {
    expect(casesForPower(r.sd, r.delta)).toBe(r.n);
    expect(r.exactPower).toBeGreaterThanOrEqual(0.8); // the noncentral-t power at that n, from SciPy
  });

  test("is null without variation or difference", () => {
    expect(casesForPower(0, 1)).toBeNull();
    expect(casesForPower(1, 0)).toBeNull();
  });
});
