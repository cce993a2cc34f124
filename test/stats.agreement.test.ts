/** Krippendorff's alpha and the per-criterion figures. */
import reference from "./fixtures/stats/reference.json";
import {
  aggregateCriteria,
  criteriaThatMoved,
  flipsAcross50,
  krippendorffAlphaInterval,
  worstCriteria,
  type CriterionAggregate,
} from "../src/stats";

describe("krippendorffAlphaInterval", () => {
  test("gives 0.849 on the worked example of 'Computing Krippendorff's Alpha-Reliability' (4 coders, 12 units, missing values)", () => {
    const _ = null;
    const coders = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
      [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
    ];
    const units = coders[0].map((__, u) => coders.map((c) => c[u]).filter((v): v is number => v !== null));
    const result = krippendorffAlphaInterval(units);
    expect(result.alpha!.toFixed(3)).toBe("0.849");
    expect(result.units).toBe(11); // unit 12 has one value: not pairable
    expect(result.values).toBe(40);
  });

  test("matches the coincidence-matrix computation (NumPy) on random units with missing values", () => {
    expect(krippendorffAlphaInterval(reference.krippendorff.units).alpha).toBeCloseTo(reference.krippendorff.alpha, 12);
  });

  test("is 1 for perfect agreement and null when nothing varies or nothing is pairable", () => {
    expect(
      krippendorffAlphaInterval([
        [1, 1],
        [5, 5, 5],
        [9, 9],
      ]).alpha,
    ).toBe(1);
    expect(
      krippendorffAlphaInterval([
        [4, 4],
        [4, 4],
      ]).alpha,
    ).toBeNull();
    expect(krippendorffAlphaInterval([[4], [7]]).alpha).toBeNull();
  });
});

const agg = (index: number, meanSatisfaction: number, extra: Partial<CriterionAggregate> = {}): CriterionAggregate => ({
  rubricId: 1,
  index,
  caseName: "case",
  author: "ana@example.com",
  criterion: `criterion ${index}`,
  weight: 10,
  sense: "positive",
  meanSatisfaction,
  grades: 4,
  replicatedUnits: 2,
  flippedUnits: 1,
  ...extra,
});

describe("criteria", () => {
  test("a unit flips when its replications fall on both sides of 50", () => {
    expect(flipsAcross50([49, 50])).toBe(true);
    expect(flipsAcross50([50, 100])).toBe(false);
    expect(flipsAcross50([0, 49])).toBe(false);
  });

  test("aggregates satisfaction per criterion and counts flips per (note, rubric) unit with replications", () => {
    const grades = [
      { noteId: 1, rubricId: 7, satisfactions: [40, 100] },
      { noteId: 1, rubricId: 7, satisfactions: [60, 100] }, // criterion 0 flips on note 1
      { noteId: 2, rubricId: 7, satisfactions: [10, 90] }, // one replication: not a unit for flips
      { noteId: 2, rubricId: 8, satisfactions: [70] },
    ];
    const rows = aggregateCriteria(grades, (rubricId, index) => ({
      caseName: "c",
      author: `author-${rubricId}`,
      criterion: `r${rubricId}c${index}`,
      weight: 5,
      sense: "positive",
    }));
    expect(rows.map((r) => [r.criterion, r.meanSatisfaction, r.grades, r.replicatedUnits, r.flippedUnits])).toEqual([
      ["r7c0", 110 / 3, 3, 1, 1],
      ["r7c1", 290 / 3, 3, 1, 0],
      ["r8c0", 70, 1, 0, 0],
    ]);
  });

  test("worst criteria: lowest mean satisfaction first, with their flip rate", () => {
    const worst = worstCriteria(
      [agg(0, 80), agg(1, 20, { sense: "negative" }), agg(2, 55, { replicatedUnits: 0, flippedUnits: 0 })],
      2,
    );
    expect(worst.map((c) => [c.index, c.flipRate])).toEqual([
      [1, 0.5],
      [2, null],
    ]);
    expect(worst[0]).toMatchObject({ criterion: "criterion 1", weight: 10, sense: "negative" });
  });

  test("criteria that moved: only those in both arms, largest change first", () => {
    const moved = criteriaThatMoved([agg(0, 80), agg(1, 20), agg(3, 50)], [agg(0, 70), agg(1, 60), agg(2, 10)]);
    expect(moved.map((m) => [m.index, m.difference])).toEqual([
      [1, -40],
      [0, 10],
    ]);
  });
});
