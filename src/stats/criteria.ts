/**
 * Per-criterion figures. A criterion is identified by its rubric and its position in it; its text,
 * weight and sense come with it. Satisfaction is on the existing tool's scale (how well the note
 * meets the criterion; for a negative one 100 = the fault is absent), so "low" is bad for both senses.
 */

export interface CriterionRef {
  rubricId: number;
  index: number;
  /** Where the rubric comes from: its case and author (the same text recurs across cases and authors). */
  caseName: string;
  author: string;
  criterion: string;
  weight: number;
  sense: string;
}

/** One criterion's satisfaction in an arm, aggregated (in SQL) over its grades. */
export interface CriterionAggregate extends CriterionRef {
  meanSatisfaction: number;
  grades: number;
  /** (note, rubric) units with at least 2 grade replications of this criterion. */
  replicatedUnits: number;
  /** Of those, units whose satisfaction is ≥ 50 in one replication and < 50 in another. */
  flippedUnits: number;
}

export interface CriterionFigure extends CriterionAggregate {
  /** flippedUnits / replicatedUnits; null without replicated units. */
  flipRate: number | null;
}

export interface CriterionMove extends CriterionRef {
  meanSatisfactionA: number;
  meanSatisfactionB: number;
  /** A − B. */
  difference: number;
  gradesA: number;
  gradesB: number;
}

const key = (c: { rubricId: number; index: number }) => `${c.rubricId}/${c.index}`;

/** One grade's satisfactions, in criterion order. */
export interface GradeSatisfactions {
  noteId: number;
  rubricId: number;
  satisfactions: readonly number[];
}

/**
 * Per criterion (rubric, position): mean satisfaction over the grades, and over the (note, rubric)
 * units with at least 2 grade replications, how many flip across 50. `describe` gives the
 * criterion's text, weight, sense and where its rubric comes from.
 */
export function aggregateCriteria(
  grades: readonly GradeSatisfactions[],
  describe: (rubricId: number, index: number) => Omit<CriterionRef, "rubricId" | "index">,
): CriterionAggregate[] {
  // Plain loops and numeric keys: this runs over every criterion of every grade (240,000 values
  // for 20,000 grades), and the first version with string keys and flatMap took most of
  // experimentSummary's time.
  interface Acc {
    sum: number[];
    n: number[];
    replicated: number[];
    flipped: number[];
  }
  interface Unit {
    rubricId: number;
    min: number[];
    max: number[];
    grades: number;
  }
  const grow = (a: number[], length: number) => {
    while (a.length < length) a.push(0);
  };
  const byRubric = new Map<number, Acc>();
  const unitsByNote = new Map<number, Map<number, Unit>>();
  for (const g of grades) {
    const sats = g.satisfactions;
    let acc = byRubric.get(g.rubricId);
    if (!acc) byRubric.set(g.rubricId, (acc = { sum: [], n: [], replicated: [], flipped: [] }));
    grow(acc.sum, sats.length);
    grow(acc.n, sats.length);
    for (let i = 0; i < sats.length; i++) {
      acc.sum[i] += sats[i];
      acc.n[i] += 1;
    }
    let units = unitsByNote.get(g.noteId);
    if (!units) unitsByNote.set(g.noteId, (units = new Map()));
    const unit = units.get(g.rubricId);
    if (!unit) {
      units.set(g.rubricId, { rubricId: g.rubricId, min: [...sats], max: [...sats], grades: 1 });
      continue;
    }
    unit.grades += 1;
    // a criterion missing from one replication is left out of the unit's flips
    if (sats.length < unit.min.length) unit.min.length = unit.max.length = sats.length;
    for (let i = 0; i < unit.min.length; i++) {
      if (sats[i] < unit.min[i]) unit.min[i] = sats[i];
      if (sats[i] > unit.max[i]) unit.max[i] = sats[i];
    }
  }
  for (const units of unitsByNote.values()) {
    for (const unit of units.values()) {
      if (unit.grades < 2) continue;
      const acc = byRubric.get(unit.rubricId)!;
      grow(acc.replicated, unit.min.length);
      grow(acc.flipped, unit.min.length);
      for (let i = 0; i < unit.min.length; i++) {
        acc.replicated[i] += 1;
        if (unit.min[i] < 50 && unit.max[i] >= 50) acc.flipped[i] += 1; // flipsAcross50 on min and max
      }
    }
  }
  const out: CriterionAggregate[] = [];
  for (const [rubricId, acc] of byRubric) {
    for (let index = 0; index < acc.n.length; index++) {
      if (!acc.n[index]) continue;
      out.push({
        rubricId,
        index,
        ...describe(rubricId, index),
        meanSatisfaction: acc.sum[index] / acc.n[index],
        grades: acc.n[index],
        replicatedUnits: acc.replicated[index] ?? 0,
        flippedUnits: acc.flipped[index] ?? 0,
      });
    }
  }
  return out;
}

export function withFlipRate(c: CriterionAggregate): CriterionFigure {
  return { ...c, flipRate: c.replicatedUnits > 0 ? c.flippedUnits / c.replicatedUnits : null };
}

/** Did the replications of one unit fall on both sides of 50? */
export function flipsAcross50(satisfactions: readonly number[]): boolean {
  return satisfactions.some((s) => s >= 50) && satisfactions.some((s) => s < 50);
}

/** The `limit` criteria with the lowest mean satisfaction (ties: heavier weight first). */
export function worstCriteria(criteria: readonly CriterionAggregate[], limit = 5): CriterionFigure[] {
  return [...criteria]
    .sort((a, b) => a.meanSatisfaction - b.meanSatisfaction || b.weight - a.weight || key(a).localeCompare(key(b)))
    .slice(0, limit)
    .map(withFlipRate);
}

/** Criteria graded in both arms, ordered by how far their mean satisfaction moved (A − B). */
export function criteriaThatMoved(
  a: readonly CriterionAggregate[],
  b: readonly CriterionAggregate[],
  limit = 10,
): CriterionMove[] {
  const inB = new Map(b.map((c) => [key(c), c]));
  const moves: CriterionMove[] = [];
  for (const ca of a) {
    const cb = inB.get(key(ca));
    if (!cb) continue;
    moves.push({
      rubricId: ca.rubricId,
      index: ca.index,
      caseName: ca.caseName,
      author: ca.author,
      criterion: ca.criterion,
      weight: ca.weight,
      sense: ca.sense,
      meanSatisfactionA: ca.meanSatisfaction,
      meanSatisfactionB: cb.meanSatisfaction,
      difference: ca.meanSatisfaction - cb.meanSatisfaction,
      gradesA: ca.grades,
      gradesB: cb.grades,
    });
  }
  return moves.sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference) || key(x).localeCompare(key(y))).slice(0, limit);
}
