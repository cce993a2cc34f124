import { Authorized, Arg, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { ExperimentResult } from "../entities/experiment-result";
import { ExperimentResultScore } from "../entities/experiment-result-score";
import { ExperimentRun } from "../entities/experiment-run";
import { CriterionSense, Rubric } from "../entities/rubric";
import { CriterionScore } from "../entities/score";
import type { Context } from "../src/context";
import { topics } from "../src/events/event-bus";
import { filterIterator, startWith, startWithAll } from "../src/events/iterators";
import { makeProgressOrder } from "../src/events/progress-order";
import type { Progress } from "../src/runner/types";
import { encodeCursor } from "../src/services/runs";
import { ExperimentProgress, ExperimentResultConnection, ExperimentResultEvent } from "./types/run.types";
import { RunEstimate } from "./types/estimate.types";

@Resolver()
export class RunResolver {
  @Authorized("runner")
  @Mutation(() => ExperimentRun, {
    description:
      "Runs the experiment: plans every note (case × combination × overlap × replication) and its grades, then works them " +
      "off with `workers` notes and `workers` grades at once. Continues what an earlier run left (failed jobs too with retryFailed). " +
      "With budgetUsd, the run pauses before it would spend more (see estimateExperimentRun and docs/budgets.md).",
  })
  startExperimentRun(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("workers", () => Int, { defaultValue: 3 }) workers: number,
    @Arg("maxAttempts", () => Int, { defaultValue: 3 }) maxAttempts: number,
    @Arg("retryFailed", { defaultValue: false }) retryFailed: boolean,
    @Ctx() { services }: Context,
    @Arg("budgetUsd", () => Float, {
      nullable: true,
      description: "USD this start may spend: the run pauses before it would pass it; every model needs a price. Null: no budget",
    })
    budgetUsd: number | null,
  ): Promise<ExperimentRun> {
    return services.runs.start({ experimentId, workers, maxAttempts, retryFailed, budgetUsd: budgetUsd ?? null });
  }

  @Authorized("runner")
  @Mutation(() => ExperimentRun, { description: "Stops dispatch and aborts calls in flight; what finished is kept" })
  cancelExperimentRun(@Arg("runId", () => Int) runId: number, @Ctx() { services }: Context): Promise<ExperimentRun> {
    return services.runs.cancel(runId);
  }

  @Authorized("viewer")
  @Query(() => RunEstimate, {
    description:
      "What startExperimentRun would cost now: notes, grades, calls, tokens and a cost range per model and in total, " +
      "from the inputs' sizes, calibrated by finished jobs when there are any; unpriced models are named, never counted as 0",
  })
  estimateExperimentRun(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("retryFailed", { defaultValue: false, description: "Count failed jobs too, as a start with retryFailed would" })
    retryFailed: boolean,
    @Ctx() { services }: Context,
  ): Promise<RunEstimate> {
    return services.runs.estimate(experimentId, retryFailed);
  }

  @Authorized("viewer")
  @Query(() => ExperimentRun, { nullable: true })
  experimentRun(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<ExperimentRun | null> {
    return services.runs.get(id);
  }

  @Authorized("viewer")
  @Query(() => ExperimentProgress, { description: "Exact progress from the database" })
  experimentProgress(@Arg("experimentId", () => Int) experimentId: number, @Ctx() { services }: Context): Promise<Progress> {
    return services.runs.progress(experimentId);
  }

  @Authorized("viewer")
  @Query(() => ExperimentResultConnection, { description: "The experiment's notes, oldest first, a page at a time" })
  async experimentResults(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("failed", () => Boolean, { nullable: true }) failed: boolean | null,
    @Arg("first", () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() { services }: Context,
    @Arg("failedGrades", () => Boolean, { nullable: true, description: "true: only notes with a failed grade" })
    failedGrades: boolean | null,
  ): Promise<ExperimentResultConnection> {
    const page = await services.runs.results(experimentId, { failed, failedGrades, first, after });
    const edges = page.nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  @Authorized("viewer")
  @Query(() => [ExperimentResult], { description: "The notes that changed last" })
  recentActivity(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("limit", () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() { services }: Context,
  ): Promise<ExperimentResult[]> {
    return services.runs.recentActivity(experimentId, limit);
  }

  @Authorized("viewer")
  @Subscription(() => ExperimentResultEvent, {
    description:
      "Every state change of the experiment's notes, grades and runs. Each job's final event arrives once and last for " +
      "the job. A client that resubscribes after losing its connection passes `since` (the `at` of the last event it got) " +
      "and first gets the final event of every job that ended since then (some may repeat: key them by job).",
    subscribe: async ({ args, context }) => {
      const { services, bus } = context as Context;
      await services.experiments.getOrThrow(args.experimentId);
      const stream = bus.subscribe<unknown>(topics.experimentEvents(args.experimentId));
      const since = args.since as number | null | undefined;
      if (since === null || since === undefined) return stream;
      return startWithAll(() => services.runs.finalEventsSince(args.experimentId, since), stream);
    },
  })
  experimentResultEvents(
    @Arg("experimentId", () => Int) _experimentId: number,
    @Arg("since", () => Float, {
      nullable: true,
      description: "Epoch ms: first send the final events of the jobs that ended since (to resume after a reconnect)",
    })
    _since: number | null,
    @Root() event: ExperimentResultEvent,
  ): ExperimentResultEvent {
    return event;
  }

  @Authorized("viewer")
  @Subscription(() => ExperimentProgress, {
    name: "experimentProgress",
    description: "The current progress, then progress as it changes (throttled), always ending with the final state",
    subscribe: async ({ args, context }) => {
      const { services, bus } = context as Context;
      await services.experiments.getOrThrow(args.experimentId);
      const stream = bus.subscribe<Progress>(topics.experimentProgress(args.experimentId));
      // Snapshots read on several processes arrive out of order: a subscriber never sees progress go back.
      return filterIterator(
        startWith(() => services.runs.progress(args.experimentId), stream),
        makeProgressOrder(),
      );
    },
  })
  progressUpdates(@Arg("experimentId", () => Int) _experimentId: number, @Root() progress: Progress): Progress {
    return progress;
  }
}

@Resolver(() => ExperimentResult)
export class ExperimentResultResolver {
  @FieldResolver(() => [ExperimentResultScore], { description: "The note's grades (rubric × grade replication)" })
  scores(@Root() result: ExperimentResult, @Ctx() { loaders }: Context): Promise<ExperimentResultScore[]> {
    return loaders.gradesOf(result.id);
  }
}

@Resolver(() => ExperimentResultScore)
export class ExperimentResultScoreResolver {
  @FieldResolver(() => Number, { nullable: true, description: "Sum of the criteria's scores; null until graded" })
  async overallScore(@Root() grade: ExperimentResultScore, @Ctx() { loaders }: Context): Promise<number | null> {
    return grade.scoreId === null ? null : ((await loaders.score(grade.scoreId))?.overallScore ?? null);
  }

  @FieldResolver(() => [CriterionScore], {
    description:
      "Per criterion: id, rationale, satisfaction, score, and the criterion's text, weight and sense; empty until graded",
  })
  async criteria(@Root() grade: ExperimentResultScore, @Ctx() { loaders }: Context): Promise<CriterionScore[]> {
    const scoringResult = grade.scoreId === null ? [] : ((await loaders.score(grade.scoreId))?.scoringResult ?? []);
    return withRubricCriteria(scoringResult, await loaders.rubric(grade.rubricId));
  }

  @FieldResolver(() => [CriterionScore], { description: "Per-criterion grades, as in score.scoringResult; [] until graded" })
  async scoringResult(@Root() grade: ExperimentResultScore, @Ctx() { loaders }: Context): Promise<CriterionScore[]> {
    return withRubricCriteria(grade.scoringResult ?? [], await loaders.rubric(grade.rubricId));
  }
}

/** Adds each criterion's text, weight and sense from the rubric (matched by position). */
function withRubricCriteria(scores: CriterionScore[], rubric: Rubric | null): CriterionScore[] {
  return scores.map((s) => {
    const c = rubric?.rubric[s.id];
    return { ...s, criterion: c?.criterion ?? "", weight: c?.weight ?? 0, sense: c?.sense ?? CriterionSense.positive };
  });
}
