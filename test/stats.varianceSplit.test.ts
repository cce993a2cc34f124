/** The nested variance split against an independent computation (trace formulas in NumPy). */
import reference from "./fixtures/stats/reference.json";
import { varianceSplit, type NestedObservation } from "../src/stats";

describe("varianceSplit", () => {
  test.each(reference.varianceSplit.map((d, i) => [i, d.rows.length, d] as const))(
    "matches the method-of-moments components of unbalanced design %i (%i grades)",
    (_, __, d) => {
      const split = varianceSplit(d.rows as NestedObservation[]);
      expect(split.components.map((c) => c.df)).toEqual(d.df);
      split.components.forEach((c, i) => {
        const expected = d.components[i];
        if (expected === null) expect(c.variance).toBeNull();
        else expect(c.variance).toBeCloseTo(expected, 8);
      });
      const shares = split.components.reduce((a, c) => a + (c.share ?? 0), 0);
      expect(shares).toBeCloseTo(1, 12);
    },
  );

  const design = (caseSd: number, gradeSd: number): NestedObservation[] => {
    const rows: NestedObservation[] = [];
    let note = 0;
    for (let c = 0; c < 8; c++) {
      for (let n = 0; n < 2; n++) {
        note++;
        for (let g = 0; g < 3; g++) {
          // deterministic "noise": alternating signs of known size
          rows.push({
            caseId: c,
            noteId: note,
            rubricId: 1,
            value: 50 + caseSd * (c % 2 ? 1 : -1) * (1 + c / 8) + gradeSd * (g - 1),
          });
        }
      }
    }
    return rows;
  };

  test("says to add cases when cases differ most", () => {
    const split = varianceSplit(design(10, 1));
    expect(split.advice).toBe("add-cases");
    expect(split.implication).toMatch(/adding cases narrows the CI most/);
  });

  test("says to add grade replications when the grader is the noise", () => {
    const split = varianceSplit(design(0.5, 20));
    expect(split.advice).toBe("add-grade-replications");
    expect(split.implication).toMatch(/Add grade replications/);
  });

  test("reports a level the design cannot separate as null (one rubric per note)", () => {
    const split = varianceSplit(design(10, 1));
    expect(split.components.find((c) => c.level === "rubric")).toMatchObject({ variance: null, df: 0 });
    expect(split.perParent).toEqual({ notesPerCase: 2, rubricsPerNote: 1, gradesPerRubric: 3 });
  });

  test("needs at least two grades", () => {
    expect(varianceSplit([{ caseId: 1, noteId: 1, rubricId: 1, value: 3 }]).advice).toBe("not-enough-data");
  });
});
