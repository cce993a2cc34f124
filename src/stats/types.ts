/**
 * Vocabulary of the statistics (docs/statistics.md has the formulas).
 *
 * - case: a recorded encounter; the unit of analysis. Notes are nested in cases, grades in notes.
 * - grade: one grader answer for one note against one rubric (one grade replication).
 * - arm: what is compared, (experiment, combination, overlap); its figures come from its cases.
 * - case mean: the mean of all of one case's grades in an arm (every note, rubric and replication).
 *
 * Everything here is a pure function over plain arrays: the services fetch (and aggregate in SQL
 * where that shrinks the data) and call these.
 */

/** One successful grade, as the statistics see it. */
export interface GradeObservation {
  caseId: number;
  /** The note (experiment_result id) the grade is of. */
  noteId: number;
  /** The rubric it was made against (one per author of the case). */
  rubricId: number;
  /** overall_score, or the normalised score, depending on the figure. */
  value: number;
}

/** A case's mean in an arm, over how many grades. */
export interface CaseMean {
  caseId: number;
  mean: number;
  grades: number;
}

/** A mean with its 95 % t-interval; lo/hi are null with fewer than 2 values. */
export interface MeanInterval {
  n: number;
  mean: number | null;
  sd: number | null;
  lo: number | null;
  hi: number | null;
}
