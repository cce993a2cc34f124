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
