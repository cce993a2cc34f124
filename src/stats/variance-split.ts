/**
 * How the variance of the grades splits between the levels of the nested design, by the method of
 * moments (the ANOVA estimator, Henderson's method I), which handles unbalanced designs (failed
 * notes, missing grades):
 *
 *   case → note (within case) → rubric (within note: the rubric-author effect) → grade replication.
 *
 * Levels l = 0 (all), 1 (case), 2 (note), 3 (rubric within note), 4 (single grade). With n_g the
 * grades in group g: SS_l = Σ_{g at l} n_g (ȳ_g − ȳ_parent(g))², df_l = groups_l − groups_{l−1}, and
 * E[SS_l] = Σ_m σ²_m (T_{l,m} − T_{l−1,m}) where T_{l,m} = Σ_{g at l} Σ_{h at m, h ⊆ g} n_h² / n_g
 * when m is at l or finer and N otherwise. Solving from the finest level up gives each σ²; a
 * negative estimate (sampling noise around a small component) is reported as 0.
 */

export interface NestedObservation {
  caseId: number;
  noteId: number;
  rubricId: number;
  value: number;
}

export type VarianceLevel = "case" | "note" | "rubric" | "grade";
const LEVELS: VarianceLevel[] = ["case", "note", "rubric", "grade"];

export interface VarianceComponent {
  level: VarianceLevel;
  /** The moment estimate, truncated at 0; null when the design has no replication at this level. */
  variance: number | null;
  /** Share of the total of the estimated components, 0..1. */
  share: number | null;
  /** Degrees of freedom of the level's mean square. */
  df: number;
}

export interface VarianceSplit {
  components: VarianceComponent[];
  /** Mean groups per parent (notes per case, rubrics per note, grades per rubric), for the implication. */
  perParent: { notesPerCase: number; rubricsPerNote: number; gradesPerRubric: number };
  /** What most narrows the CI of the combination mean, in plain words. */
  implication: string;
  advice: "add-cases" | "add-note-replications" | "add-grade-replications" | "not-enough-data";
}

/** Integer group ids per level: level 0 = all, 1 = case, 2 = note, 3 = rubric within note, 4 = grade. */
interface Levels {
  /** n, sum and parent (group id one level up) per group, per level. */
  n: number[][];
  sum: number[][];
  parent: number[][];
}

function groupLevels(observations: readonly NestedObservation[]): Levels {
  const n: number[][] = [[0], [], [], [], []];
  const sum: number[][] = [[0], [], [], [], []];
  const parent: number[][] = [[-1], [], [], [], []];
  const ids: Map<string, number>[] = [new Map(), new Map(), new Map()];
  const add = (l: number, g: number, p: number, v: number) => {
    if (g === n[l].length) {
      n[l].push(0);
      sum[l].push(0);
      parent[l].push(p);
    }
    n[l][g] += 1;
    sum[l][g] += v;
  };
  observations.forEach((o, i) => {
    const keys = [`${o.caseId}`, `${o.caseId}/${o.noteId}`, `${o.caseId}/${o.noteId}/${o.rubricId}`];
    let p = 0;
    add(0, 0, -1, o.value);
    for (let l = 1; l <= 3; l++) {
      let g = ids[l - 1].get(keys[l - 1]);
      if (g === undefined) ids[l - 1].set(keys[l - 1], (g = ids[l - 1].size));
      add(l, g, p, o.value);
      p = g;
    }
    add(4, i, p, o.value);
  });
  return { n, sum, parent };
}

export function varianceSplit(observations: readonly NestedObservation[]): VarianceSplit {
  const N = observations.length;
  const depth = 4;
  const { n, sum, parent } = groupLevels(observations);
  const counts = n.map((g) => (N === 0 ? 0 : g.length));
  const perParent = {
    notesPerCase: counts[1] ? counts[2] / counts[1] : 0,
    rubricsPerNote: counts[2] ? counts[3] / counts[2] : 0,
    gradesPerRubric: counts[3] ? N / counts[3] : 0,
  };
  if (N < 2) return notEnough(perParent, counts);

  // SS_l and df_l for l = 1..4
  const ss: number[] = [0];
  const df: number[] = [0];
  for (let l = 1; l <= depth; l++) {
    let s = 0;
    for (let g = 0; g < n[l].length; g++) {
      const p = parent[l][g];
      const d = sum[l][g] / n[l][g] - sum[l - 1][p] / n[l - 1][p];
      s += n[l][g] * d * d;
    }
    ss.push(s);
    df.push(counts[l] - counts[l - 1]);
  }
  // T[l][m] = Σ_{g at l} Σ_{h at m, h ⊆ g} n_h² / n_g (m at l or finer), N when m is coarser than l
  const T: number[][] = [];
  for (let l = 0; l <= depth; l++) {
    T.push([]);
    for (let m = 1; m <= depth; m++) {
      if (m < l) {
        T[l][m] = N;
        continue;
      }
      const inner = new Float64Array(n[l].length);
      for (let h = 0; h < n[m].length; h++) {
        let g = h;
        for (let k = m; k > l; k--) g = parent[k][g];
        inner[g] += n[m][h] * n[m][h];
      }
      let t = 0;
      for (let g = 0; g < inner.length; g++) t += inner[g] / n[l][g];
      T[l][m] = t;
    }
  }
  // Solve from the finest level up: E[SS_l] = Σ_{m ≥ l} σ²_m (T[l][m] − T[l−1][m])
  const sigma: (number | null)[] = [null, null, null, null, null];
  for (let l = depth; l >= 1; l--) {
    const own = T[l][l] - T[l - 1][l];
    if (df[l] <= 0 || !(own > 1e-9)) continue;
    let rest = ss[l];
    for (let m = l + 1; m <= depth; m++) rest -= (sigma[m] ?? 0) * (T[l][m] - T[l - 1][m]);
    sigma[l] = rest / own;
  }
  const clamped = sigma.map((s) => (s === null ? null : Math.max(0, s)));
  const total = clamped.slice(1).reduce<number>((a, s) => a + (s ?? 0), 0);
  const components = LEVELS.map((level, i) => ({
    level,
    variance: clamped[i + 1],
    share: clamped[i + 1] === null || !(total > 0) ? null : clamped[i + 1]! / total,
    df: df[i + 1],
  }));
  return { components, perParent, ...implication(components, perParent) };
}

function notEnough(perParent: VarianceSplit["perParent"], counts: number[]): VarianceSplit {
  return {
    components: LEVELS.map((level, i) => ({ level, variance: null, share: null, df: Math.max(0, counts[i + 1] - counts[i]) })),
    perParent,
    implication: "Not enough grades to split the variance.",
    advice: "not-enough-data",
  };
}

/**
 * The variance of the combination mean over C cases is about
 *   (σ²_case + σ²_note / n_notes + σ²_rubric / (n_notes n_rubrics) + σ²_grade / (n_notes n_rubrics n_grades)) / C.
 * More cases shrink every term; more note or grade replications shrink only their own term, and
 * cost less than a case. So: when the grade-replication term (or the note term) is more than half
 * of the per-case variance, replicating that level is the cheap way to narrow the CI; otherwise
 * the cases' own spread dominates and only more cases help.
 */
function implication(
  components: VarianceComponent[],
  p: VarianceSplit["perParent"],
): Pick<VarianceSplit, "implication" | "advice"> {
  const v = (level: VarianceLevel) => components.find((c) => c.level === level)!.variance ?? 0;
  const nNotes = Math.max(1, p.notesPerCase);
  const nRubrics = Math.max(1, p.rubricsPerNote);
  const nGrades = Math.max(1, p.gradesPerRubric);
  const terms = {
    case: v("case"),
    note: v("note") / nNotes,
    rubric: v("rubric") / (nNotes * nRubrics),
    grade: v("grade") / (nNotes * nRubrics * nGrades),
  };
  const perCase = terms.case + terms.note + terms.rubric + terms.grade;
  if (!(perCase > 0)) return { implication: "The grades do not vary: the CI cannot be narrowed further.", advice: "add-cases" };
  const pct = (x: number) => `${Math.round((100 * x) / perCase)} %`;
  if (terms.grade > perCase / 2)
    return {
      implication: `Grade replications disagree: their noise is ${pct(terms.grade)} of the CI's variance. Add grade replications (cheaper than cases).`,
      advice: "add-grade-replications",
    };
  if (terms.note > perCase / 2)
    return {
      implication: `Notes of the same case vary: note-to-note noise is ${pct(terms.note)} of the CI's variance. Add note replications.`,
      advice: "add-note-replications",
    };
  return {
    implication: `Cases differ most (${pct(terms.case)} of the CI's variance comes from between cases): adding cases narrows the CI most.`,
    advice: "add-cases",
  };
}
