/**
 * What a start of the experiment would cost: the jobs it would work on (every job before the first
 * run; only the remaining ones once jobs have finished), their LLM calls, tokens and a cost range
 * per model and in total (estimate-jobs.ts). A model without a price is named, its cost null, and
 * the total null: never counted as 0. docs/budgets.md explains the figures.
 */
import type { DataSource } from "typeorm";
import type { LlmConfig } from "../config";
import type { Range } from "../llm";
import {
  calibrate,
  costRange,
  gradeKey,
  loadExperimentJobs,
  makeJobEstimator,
  type JobEstimate,
  type NoteRow,
} from "./estimate-jobs";
import type { PlanInputs } from "./run-plan";

/** Jobs, calls, tokens and cost: of one model, or of the whole start. */
export interface Tally {
  notes: number;
  grades: number;
  calls: number;
  inputTokens: Range;
  outputTokens: Range;
  /** Null when a model counted has no price. */
  costUsd: Range | null;
}

export interface ModelEstimate extends Tally {
  vendor: string;
  model: string;
}

export type EstimateScope = "all" | "remaining";

export interface RunEstimate extends Tally {
  experimentId: number;
  /** `all` before any job finished; `remaining` once some did (a start continues from there). */
  scope: EstimateScope;
  /** "from input sizes", or "calibrated by N finished jobs (n notes, g grades)". */
  basis: string;
  calibratedNotes: number;
  calibratedGrades: number;
  /** vendor/model of the models without a price (the total cost is null then). */
  unpricedModels: string[];
  models: ModelEstimate[];
}

const OPEN: ReadonlySet<string> = new Set(["planned", "running"]);
const noteKeyOf = (caseId: number, combinationId: number, overlap: number, replication: number) =>
  `${caseId}:${combinationId}:${overlap}:${replication}`;
const add = (a: Range, b: Range): Range => ({ low: a.low + b.low, high: a.high + b.high });
const ZERO: Range = { low: 0, high: 0 };
const round = (r: Range, digits: number): Range => {
  const f = 10 ** digits;
  return { low: Math.round(r.low * f) / f, high: Math.round(r.high * f) / f };
};

export async function estimateRun(
  db: Pick<DataSource, "query">,
  plan: PlanInputs,
  prices: LlmConfig["prices"],
  options: { retryFailed: boolean },
): Promise<RunEstimate> {
  const jobs = await loadExperimentJobs(db, plan.experiment.id);
  const calibration = calibrate(plan, jobs);
  const estimator = makeJobEstimator(plan, calibration);
  const todo = (status: string) => OPEN.has(status) || (options.retryFailed && status === "failed");

  const models = new Map<string, ModelEstimate>();
  const count = (kind: "notes" | "grades", estimate: JobEstimate | null) => {
    if (!estimate) return;
    const key = `${estimate.model.vendor}/${estimate.model.model}`;
    const m = models.get(key) ?? {
      ...estimate.model,
      notes: 0,
      grades: 0,
      calls: 0,
      inputTokens: ZERO,
      outputTokens: ZERO,
      costUsd: ZERO,
    };
    m[kind] += 1;
    m.calls += estimate.calls;
    m.inputTokens = add(m.inputTokens, estimate.input);
    m.outputTokens = add(m.outputTokens, estimate.output);
    const cost = costRange(prices, estimate.model.model, estimate.input, estimate.output);
    m.costUsd = m.costUsd && cost ? add(m.costUsd, cost) : null;
    models.set(key, m);
  };

  // Notes a start would plan or take up again, each with the grades it will plan once written.
  const noteRows = new Map<string, NoteRow>(
    jobs.notes.map((r) => [noteKeyOf(r.case_id, r.experiment_model_id, r.overlap, r.replication), r]),
  );
  const { experiment } = plan;
  for (const kase of plan.cases.values()) {
    for (const combination of plan.combinations) {
      for (const overlap of experiment.cycleTranscriptOverlaps) {
        for (let replication = 1; replication <= experiment.noteReplications; replication++) {
          const row = noteRows.get(noteKeyOf(kase.id, combination.id, overlap, replication));
          if (row && !todo(row.status)) continue;
          count("notes", estimator.note({ caseId: kase.id, combinationId: combination.id }));
          for (const rubricId of kase.rubricIds) {
            for (let g = 0; g < experiment.gradeReplications; g++) {
              count("grades", estimator.grade({ caseId: kase.id, combinationId: combination.id, rubricId, noteChars: null }));
            }
          }
        }
      }
    }
  }
  // Grades of notes already written.
  for (const row of jobs.grades) if (todo(row.status)) count("grades", estimator.grade(gradeKey(row)));

  const list = [...models.values()]
    .sort((a, b) => `${a.vendor}/${a.model}`.localeCompare(`${b.vendor}/${b.model}`))
    .map((m) => ({
      ...m,
      inputTokens: round(m.inputTokens, 0),
      outputTokens: round(m.outputTokens, 0),
      costUsd: m.costUsd && round(m.costUsd, 6),
    }));
  const unpricedModels = list.filter((m) => m.costUsd === null).map((m) => `${m.vendor}/${m.model}`);
  const finished = jobs.notes.some((r) => !OPEN.has(r.status)) || jobs.grades.some((r) => !OPEN.has(r.status));
  const calibratedNotes = calibration.note?.jobs ?? 0;
  const calibratedGrades = calibration.grade?.jobs ?? 0;
  const calibrated = calibratedNotes + calibratedGrades;
  return {
    experimentId: experiment.id,
    scope: finished ? "remaining" : "all",
    basis:
      calibrated === 0
        ? "from input sizes"
        : `calibrated by ${calibrated} finished job${calibrated === 1 ? "" : "s"} (${calibratedNotes} notes, ${calibratedGrades} grades)`,
    calibratedNotes,
    calibratedGrades,
    notes: sum(list, (m) => m.notes),
    grades: sum(list, (m) => m.grades),
    calls: sum(list, (m) => m.calls),
    inputTokens: list.reduce((t, m) => add(t, m.inputTokens), ZERO),
    outputTokens: list.reduce((t, m) => add(t, m.outputTokens), ZERO),
    costUsd:
      unpricedModels.length > 0
        ? null
        : round(
            list.reduce((t, m) => add(t, m.costUsd ?? ZERO), ZERO),
            6,
          ),
    unpricedModels,
    models: list,
  };
}

const sum = <T>(items: T[], f: (item: T) => number) => items.reduce((n, item) => n + f(item), 0);
