/**
 * One job's tokens and cost, before it runs: its inputs' sizes (src/llm/estimate.ts), calibrated by
 * the experiment's finished jobs when there are any. Shared by the run estimate and the budget.
 *
 * Calibration, per kind (notes, grades): each succeeded job that spent tokens gives the ratio of its
 * real input and output tokens to the middle of what its sizes predict; a job still to run is
 * estimated between the lowest and the highest ratio seen (times the middle of its own prediction).
 */
import type { DataSource } from "typeorm";
import type { LlmConfig } from "../config";
import { estimateGradeTokens, estimateNoteTokens, middle, transcriptCycles, type Range, type TokenEstimate } from "../llm";
import type { PlanInputs } from "./run-plan";

export type JobKind = "note" | "grade";

export interface KindCalibration {
  /** Succeeded jobs the ratios come from. */
  jobs: number;
  input: Range;
  output: Range;
}

export type Calibration = Record<JobKind, KindCalibration | null>;

export const NO_CALIBRATION: Calibration = { note: null, grade: null };

/** The model a job calls, as the price table names it. */
export interface PricedModel {
  vendor: string;
  model: string;
}

export interface JobEstimate extends TokenEstimate {
  model: PricedModel;
  /** LLM calls without retries or repairs: one per transcript cycle for a note, one for a grade. */
  calls: number;
}

/** A note job's row, as far as its estimate needs it. */
export interface NoteJobKey {
  caseId: number;
  combinationId: number;
}

/** A grade job's row, as far as its estimate needs it. */
export interface GradeJobKey extends NoteJobKey {
  rubricId: number;
  /** JSON length of the stored note; null while it is not written. */
  noteChars: number | null;
}

export interface JobEstimator {
  /** Null when the case or combination is no longer part of the experiment. */
  note(job: NoteJobKey): JobEstimate | null;
  grade(job: GradeJobKey): JobEstimate | null;
}

const jsonChars = (value: unknown) => JSON.stringify(value ?? {}).length;

/** Sizes of the plan's inputs, measured once. */
export function makeJobEstimator(plan: PlanInputs, calibration: Calibration): JobEstimator {
  const noteTokens = new Map(
    [...plan.cases.values()].map((c) => {
      const cycles = transcriptCycles(c.transcript).length;
      const tokens = estimateNoteTokens({
        transcriptChars: jsonChars(c.transcript),
        chartChars: jsonChars(c.limitedChart),
        cycles,
      });
      return [c.id, { ...tokens, cycles }];
    }),
  );
  const rubricSizes = new Map(
    [...plan.rubrics].map(([id, criteria]) => [id, { chars: jsonChars(criteria), n: criteria.length }]),
  );
  const combinations = new Map(plan.combinations.map((c) => [c.id, c]));

  const scaleBy = (estimate: JobEstimate | null, c: KindCalibration | null): JobEstimate | null => {
    if (!estimate || !c) return estimate;
    const scale = (r: Range, ratio: Range) => ({ low: middle(r) * ratio.low, high: middle(r) * ratio.high });
    return { ...estimate, input: scale(estimate.input, c.input), output: scale(estimate.output, c.output) };
  };
  const uncalibrated = {
    note(job: NoteJobKey): JobEstimate | null {
      const tokens = noteTokens.get(job.caseId);
      const combination = combinations.get(job.combinationId);
      if (!tokens || !combination) return null;
      const { input, output, cycles } = tokens;
      return { input, output, calls: cycles, model: { vendor: combination.generator.vendor, model: combination.generatorName } };
    },
    grade(job: GradeJobKey): JobEstimate | null {
      // A note not written yet: its size is the note estimate, calibrated by the notes written so far.
      const note = scaleBy(uncalibrated.note(job), calibration.note);
      const rubric = rubricSizes.get(job.rubricId);
      const combination = combinations.get(job.combinationId);
      if (!note || !rubric || !combination) return null;
      const tokens = estimateGradeTokens({
        rubricChars: rubric.chars,
        criteria: rubric.n,
        noteChars: job.noteChars,
        noteOutput: note.output,
        reasoning: combination.grader.reasoning ?? false,
      });
      return { ...tokens, calls: 1, model: { vendor: combination.grader.vendor, model: combination.graderName } };
    },
  };
  return {
    note: (job) => scaleBy(uncalibrated.note(job), calibration.note),
    grade: (job) => scaleBy(uncalibrated.grade(job), calibration.grade),
  };
}

/** A finished job's real tokens against what its sizes predicted. */
export interface FinishedJob {
  predicted: TokenEstimate;
  inputTokens: number;
  outputTokens: number;
}

/** The lowest and highest ratios of real to predicted tokens; null without a finished job. */
export function calibrationOf(jobs: FinishedJob[]): KindCalibration | null {
  const usable = jobs.filter((j) => j.inputTokens > 0 && middle(j.predicted.input) > 0 && middle(j.predicted.output) > 0);
  if (usable.length === 0) return null;
  const input = usable.map((j) => j.inputTokens / middle(j.predicted.input));
  const output = usable.map((j) => j.outputTokens / middle(j.predicted.output));
  return {
    jobs: usable.length,
    input: { low: Math.min(...input), high: Math.max(...input) },
    output: { low: Math.min(...output), high: Math.max(...output) },
  };
}

/** Cost of a token range at the model's price; null when the model has no price. */
export function costRange(prices: LlmConfig["prices"], model: string, input: Range, output: Range): Range | null {
  const price = prices[model];
  if (!price) return null;
  return {
    low: (input.low * price.input + output.low * price.output) / 1e6,
    high: (input.high * price.input + output.high * price.output) / 1e6,
  };
}

interface NoteRow {
  case_id: number;
  experiment_model_id: number;
  overlap: number;
  replication: number;
  status: string;
  input_tokens: number;
  output_tokens: number;
}

interface GradeRow {
  status: string;
  rubric_id: number;
  case_id: number;
  experiment_model_id: number;
  input_tokens: number;
  output_tokens: number;
  note_chars: number | null;
}

export interface ExperimentJobs {
  notes: NoteRow[];
  grades: GradeRow[];
}

/** The experiment's job rows, as far as estimates need them (sizes of stored notes, real tokens). */
export async function loadExperimentJobs(db: Pick<DataSource, "query">, experimentId: number): Promise<ExperimentJobs> {
  const [notes, grades] = await Promise.all([
    db.query(
      `SELECT case_id, experiment_model_id, cycle_transcript_overlap AS overlap, note_replication AS replication, status,
              input_tokens, output_tokens
       FROM experiment_result WHERE experiment_id = $1 AND cycle_time = 0`,
      [experimentId],
    ) as Promise<NoteRow[]>,
    db.query(
      `SELECT ers.status, ers.rubric_id, er.case_id, er.experiment_model_id, ers.input_tokens, ers.output_tokens,
              length(er.note_json::text) AS note_chars
       FROM experiment_result_score ers JOIN experiment_result er ON er.id = ers.experiment_result_id
       WHERE ers.experiment_id = $1`,
      [experimentId],
    ) as Promise<GradeRow[]>,
  ]);
  return { notes, grades };
}

/** Calibration from the experiment's succeeded jobs. */
export function calibrate(plan: PlanInputs, jobs: ExperimentJobs): Calibration {
  const sizes = makeJobEstimator(plan, NO_CALIBRATION);
  const finished = (rows: (NoteRow | GradeRow)[], predict: (row: never) => JobEstimate | null): FinishedJob[] =>
    rows.flatMap((row) => {
      if (row.status !== "succeeded") return [];
      const predicted = predict(row as never);
      return predicted ? [{ predicted, inputTokens: row.input_tokens, outputTokens: row.output_tokens }] : [];
    });
  return {
    note: calibrationOf(finished(jobs.notes, (r: NoteRow) => sizes.note(noteKey(r)))),
    grade: calibrationOf(finished(jobs.grades, (r: GradeRow) => sizes.grade(gradeKey(r)))),
  };
}

export const noteKey = (r: NoteRow): NoteJobKey => ({ caseId: r.case_id, combinationId: r.experiment_model_id });
export const gradeKey = (r: GradeRow): GradeJobKey => ({
  caseId: r.case_id,
  combinationId: r.experiment_model_id,
  rubricId: r.rubric_id,
  noteChars: r.note_chars === null ? null : Number(r.note_chars),
});

export type { NoteRow, GradeRow };
