import { In, type DataSource } from "typeorm";
import { ExperimentResult } from "../../entities/experiment-result";
import { ExperimentResultScore } from "../../entities/experiment-result-score";
import { ExperimentRun } from "../../entities/experiment-run";
import { RunStatus } from "../../entities/job-status";
import { Rubric } from "../../entities/rubric";
import { GeneratedNote } from "../../entities/generated-note";
import { Score } from "../../entities/score";
import type { LlmConfig } from "../config";
import { resolveModelName, type ModelSpec } from "../llm";
import { badInput, conflict, notFound } from "../errors";
import { capExceeded, CAPS } from "../limits/caps";
import type { Logger } from "../logger";
import { finalEventsSince } from "../events/final-events";
import { queryProgress } from "../runner/progress";
import { RunConflictError, RunNotActiveError, type Runner } from "../runner/runner";
import type { Progress } from "../runner/types";
import type { ExperimentService } from "./experiments";
import type { ModelService } from "./models";
import { makeBatchLoader, type BatchLoad } from "./batch-loader";
import { buildRunPlan, MAX_RUBRICS_PER_NOTE, readPlanInputs, type PlanInputs } from "./run-plan";
import { estimateRun, type RunEstimate } from "./estimate";
import { runFailures, type RunFailures } from "./run-history";
import type { GeneratorRegistry } from "../generators";
import type { RunPlan } from "../runner/plan";

export interface StartRunInput {
  experimentId: number;
  workers: number;
  maxAttempts: number;
  retryFailed: boolean;
  /** USD this start may spend; null: no budget. */
  budgetUsd: number | null;
}

export interface RunLoaders {
  gradesOf: BatchLoad<number, ExperimentResultScore[]>;
  score: BatchLoad<number, Score | null>;
  rubric: BatchLoad<number, Rubric | null>;
  generatedNote: BatchLoad<number, GeneratedNote | null>;
  /** Failed notes and grades of a run: a list of runs costs one query. */
  runFailures: BatchLoad<number, RunFailures>;
}

export interface ResultPage {
  nodes: ExperimentResult[];
  hasNextPage: boolean;
  totalCount: number;
}

const MAX_WORKERS = 256;
/** The run row's numeric(14,6) holds more; a budget beyond this is a typo, not a plan. */
const MAX_BUDGET_USD = 1_000_000;
const MAX_ATTEMPTS = 20;
const MAX_PAGE = 500;
const MAX_INT4 = 2_147_483_647;

/** Notes and grades a plan makes at most: every note, and up to 2 rubrics × grade replications per note. */
function plannedJobs(plan: PlanInputs): number {
  const { experiment } = plan;
  const notes =
    plan.cases.size * plan.combinations.length * experiment.cycleTranscriptOverlaps.length * experiment.noteReplications;
  return notes * (1 + MAX_RUBRICS_PER_NOTE * experiment.gradeReplications);
}

/** A plan beyond CAPS.jobsPerRun is refused before anything walks or plans its jobs. */
function refuseOversizedPlan(plan: PlanInputs): void {
  const jobs = plannedJobs(plan);
  if (jobs > CAPS.jobsPerRun) {
    throw capExceeded(
      "jobsPerRun",
      `This run would plan up to ${jobs.toLocaleString("en-US")} notes and grades, more than allowed: ` +
        `use fewer cases, combinations, overlaps or replications`,
    );
  }
}

/** Cursors are opaque to clients: the base64 of the result id. */
export const encodeCursor = (id: number) => Buffer.from(`result:${id}`).toString("base64url");
function decodeCursor(cursor: string): number {
  const match = /^result:(\d{1,10})$/.exec(Buffer.from(cursor, "base64url").toString());
  // ids are Postgres int4: a larger number is no cursor we made (and would fail in the query)
  if (!match || Number(match[1]) > MAX_INT4)
    throw badInput(`Invalid cursor "${cursor.slice(0, 100)}": pass the endCursor of a previous page`);
  return Number(match[1]);
}

export class RunService {
  constructor(
    private readonly db: DataSource,
    private readonly runner: Runner,
    private readonly experiments: ExperimentService,
    private readonly models: ModelService,
    private readonly llm: LlmConfig,
    private readonly logger: Logger,
    private readonly generators: GeneratorRegistry,
  ) {}

  async start(input: StartRunInput): Promise<ExperimentRun> {
    if (!Number.isInteger(input.workers) || input.workers < 1 || input.workers > MAX_WORKERS) {
      throw badInput(`workers must be between 1 and ${MAX_WORKERS}, received ${input.workers}`);
    }
    if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > MAX_ATTEMPTS) {
      throw badInput(`maxAttempts must be between 1 and ${MAX_ATTEMPTS}, received ${input.maxAttempts}`);
    }
    const { budgetUsd } = input;
    if (budgetUsd !== null && (!Number.isFinite(budgetUsd) || budgetUsd <= 0 || budgetUsd > MAX_BUDGET_USD)) {
      throw badInput(
        `budgetUsd must be more than 0 and at most ${MAX_BUDGET_USD} (USD), received ${budgetUsd}; omit it for no budget`,
      );
    }
    const plan = await buildRunPlan(this.db, this.models, this.llm, this.generators, input.experimentId);
    if (budgetUsd !== null) {
      const unpriced = [...new Set(plan.combinations.flatMap((c) => [c.generatorName, c.graderName]))].filter(
        (name) => !this.llm.prices[name],
      );
      if (unpriced.length > 0) {
        plan.generator.release();
        throw badInput(
          `A budget needs a price for every model of the run; ${unpriced.join(", ")} ${unpriced.length === 1 ? "has" : "have"} none: ` +
            `add ${unpriced.length === 1 ? "it" : "them"} to LLM_PRICES_JSON, or start without budgetUsd`,
        );
      }
    }
    try {
      refuseOversizedPlan(plan);
    } catch (error) {
      plan.generator.release();
      throw error;
    }
    await this.checkModelsOf(plan);
    try {
      return await this.runner.start(plan, input);
    } catch (error) {
      if (error instanceof RunConflictError) throw conflict(error.message);
      throw error;
    }
  }

  /**
   * Asks the vendor about every model of the plan (once per name, key and base URL) before anything is
   * planned, and refuses the start naming the first model the vendor does not serve or whose key it
   * refuses: otherwise every job of the run would fail the same way.
   */
  private async checkModelsOf(plan: RunPlan): Promise<void> {
    const specs = new Map<string, { spec: ModelSpec; role: string }>();
    for (const c of plan.combinations) {
      for (const [spec, role] of [
        [c.generator, `generator of combination ${c.id}`],
        [c.grader, `grader of combination ${c.id}`],
      ] as const) {
        const key = [spec.vendor, resolveModelName(this.llm, spec), spec.apiKey, spec.baseUrl ?? ""].join("\u0000");
        if (!specs.has(key)) specs.set(key, { spec, role });
      }
    }
    const checks = await Promise.all(
      [...specs.values()].map(async (s) => ({ ...s, check: await this.models.checkSpec(s.spec) })),
    );
    const bad = checks.find((c) => c.check.status !== "ok");
    if (bad) {
      throw badInput(`Run not started: ${bad.spec.vendor} model ${bad.check.model} (${bad.role}): ${bad.check.message}`, {
        model: bad.check.model,
        vendor: bad.spec.vendor,
        check: bad.check.status,
      });
    }
  }

  /** What starting the experiment now would cost (no generator is prepared, no vendor asked). */
  async estimate(experimentId: number, retryFailed: boolean): Promise<RunEstimate> {
    const plan = await readPlanInputs(this.db, this.models, this.llm, experimentId);
    refuseOversizedPlan(plan); // the estimate walks the same jobs a start would plan
    return estimateRun(this.db, plan, this.llm.prices, { retryFailed });
  }

  async cancel(runId: number): Promise<ExperimentRun> {
    const run = await this.getOrThrow(runId);
    if (run.status !== RunStatus.running) throw conflict(`Run ${runId} is ${run.status}: only a running run can be cancelled`);
    try {
      await this.runner.cancel(runId);
    } catch (error) {
      // It ended between the read and the cancel.
      if (error instanceof RunNotActiveError) throw conflict(`Run ${runId} is no longer running`);
      throw error;
    }
    return this.getOrThrow(runId);
  }

  /** What a run of the experiment needs (for the runner, when it joins or resumes a run); the runner releases its generator. */
  loadPlan(experimentId: number): Promise<RunPlan> {
    return buildRunPlan(this.db, this.models, this.llm, this.generators, experimentId);
  }

  /** One note job of any experiment, by id (the dashboard's note page). */
  result(resultId: number): Promise<ExperimentResult | null> {
    return this.db.getRepository(ExperimentResult).findOneBy({ id: resultId });
  }

  get(runId: number): Promise<ExperimentRun | null> {
    return this.db.getRepository(ExperimentRun).findOneBy({ id: runId });
  }

  async getOrThrow(runId: number): Promise<ExperimentRun> {
    const run = await this.get(runId);
    if (!run) throw notFound("Run", runId);
    return run;
  }

  async progress(experimentId: number): Promise<Progress> {
    await this.experiments.getOrThrow(experimentId);
    return queryProgress(this.db, experimentId);
  }

  /** The final events of the jobs that ended since `since` (epoch ms), for a subscriber that resumes. */
  async finalEventsSince(experimentId: number, since: number): Promise<unknown[]> {
    return finalEventsSince(this.db, experimentId, since, await queryProgress(this.db, experimentId));
  }

  async results(
    experimentId: number,
    options: { failed?: boolean | null; failedGrades?: boolean | null; first?: number | null; after?: string | null },
  ): Promise<ResultPage> {
    await this.experiments.getOrThrow(experimentId);
    const first = options.first ?? 50;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
      throw badInput(`first must be between 1 and ${MAX_PAGE}, received ${first}`);
    const qb = this.db
      .getRepository(ExperimentResult)
      .createQueryBuilder("r")
      .where("r.experiment_id = :experimentId", { experimentId });
    if (options.failed != null) qb.andWhere("r.failed = :failed", { failed: options.failed });
    if (options.failedGrades) {
      qb.andWhere(`EXISTS (SELECT 1 FROM experiment_result_score s WHERE s.experiment_result_id = r.id AND s.status = 'failed')`);
    }
    const totalCount = await qb.clone().getCount();
    if (options.after) qb.andWhere("r.id > :after", { after: decodeCursor(options.after) });
    const rows = await qb
      .orderBy("r.id", "ASC")
      .take(first + 1)
      .getMany();
    return { nodes: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
  }

  async recentActivity(experimentId: number, limit: number): Promise<ExperimentResult[]> {
    await this.experiments.getOrThrow(experimentId);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw badInput(`limit must be between 1 and ${MAX_PAGE}, received ${limit}`);
    return this.db
      .getRepository(ExperimentResult)
      .find({ where: { experimentId }, order: { updated: "DESC", id: "DESC" }, take: limit });
  }

  /** Loaders for one GraphQL operation: the grades of results, and scores, each batched per tick. */
  makeLoaders(): RunLoaders {
    return {
      runFailures: makeBatchLoader((runIds: number[]) => runFailures(this.db, runIds), { notes: 0, grades: 0 }),
      gradesOf: makeBatchLoader(async (resultIds: number[]) => {
        const grades = await this.db
          .getRepository(ExperimentResultScore)
          .find({ where: { experimentResultId: In(resultIds) }, order: { id: "ASC" } });
        const byResult = new Map<number, ExperimentResultScore[]>();
        for (const grade of grades)
          byResult.set(grade.experimentResultId, [...(byResult.get(grade.experimentResultId) ?? []), grade]);
        return byResult;
      }, []),
      score: makeBatchLoader(async (scoreIds: number[]) => {
        const scores = await this.db.getRepository(Score).findBy({ id: In(scoreIds) });
        return new Map(scores.map((score) => [score.id, score]));
      }, null),
      rubric: makeBatchLoader(async (rubricIds: number[]) => {
        const rubrics = await this.db.getRepository(Rubric).findBy({ id: In(rubricIds) });
        return new Map(rubrics.map((rubric) => [rubric.id, rubric]));
      }, null),
      generatedNote: makeBatchLoader(async (noteIds: number[]) => {
        const notes = await this.db.getRepository(GeneratedNote).findBy({ id: In(noteIds) });
        return new Map(notes.map((note) => [note.id, note]));
      }, null),
    };
  }
}
