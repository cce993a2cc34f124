/** What a run needs, read once when it starts (built by services/run-plan.ts). */
import type { Experiment } from "../../entities/experiment";
import type { SkippedCase } from "../../entities/experiment-run";
import type { PreparedGenerator } from "../generators";
import type { Criterion, ModelSpec, Transcript } from "../llm";

export interface PlannedCase {
  id: number;
  name: string;
  transcript: Transcript;
  limitedChart: unknown;
  profile: string;
  /** The rubrics each note of this case is graded against. */
  rubricIds: number[];
}

export interface PlannedCombination {
  id: number;
  generator: ModelSpec;
  generatorName: string;
  grader: ModelSpec;
  graderName: string;
}

export interface RunPlan {
  experiment: Experiment;
  cases: Map<number, PlannedCase>;
  rubrics: Map<number, Criterion[]>;
  combinations: PlannedCombination[];
  skipped: SkippedCase[];
  /** The experiment's generator, ready for this run (released by whoever started the run, at its end). */
  generator: PreparedGenerator;
}

export interface RunOptions {
  workers: number;
  maxAttempts: number;
  retryFailed: boolean;
  /** USD this start may spend (written on the run row; RunnerDeps.guard enforces it); null/absent: no budget. */
  budgetUsd?: number | null;
}
