import { Authorized, Arg, Ctx, Field, Float, Int, ObjectType, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { ExperimentRun } from "../entities/experiment-run";
import type { Context } from "../src/context";
import { pastEvents, type PastEvent } from "../src/services/run-history";
import { ExperimentEventType } from "./types/run.types";

@ObjectType({ description: "A state change read back from the rows: reviewable after the run has ended" })
export class PastExperimentEvent {
  @Field(() => ExperimentEventType)
  type!: string;
  @Field(() => Date)
  at!: Date;
  @Field(() => Int, { nullable: true })
  runId!: number | null;
  @Field(() => Int, { nullable: true, description: "The note concerned (for a grade: the note it grades)" })
  resultId!: number | null;
  @Field(() => Int, { nullable: true, description: "The grade concerned" })
  gradeId!: number | null;
  @Field(() => String, { nullable: true })
  caseName!: string | null;
  @Field(() => Int, { nullable: true })
  attempt!: number | null;
  @Field(() => String, { nullable: true, description: "The error of a failed or retried attempt, or of a failed run" })
  error!: string | null;
}

@Resolver(() => ExperimentRun)
export class RunHistoryResolver {
  @Authorized("viewer")
  @Query(() => [PastExperimentEvent], {
    description:
      "The experiment's last `limit` events, newest first, from the database: every job's end, every retried " +
      "attempt with its error, every run's start and end",
  })
  async experimentEvents(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("limit", () => Int, { defaultValue: 50 }) limit: number,
    @Ctx() { services, db }: Context,
  ): Promise<PastEvent[]> {
    await services.experiments.getOrThrow(experimentId);
    return pastEvents(db, experimentId, limit);
  }

  @FieldResolver(() => Int, { description: "Notes this run left failed (after all their attempts)" })
  async failedNotes(@Root() run: ExperimentRun, @Ctx() { loaders }: Context): Promise<number> {
    return (await loaders.runFailures(run.id)).notes;
  }

  @FieldResolver(() => Int, { description: "Grades this run left failed (after all their attempts)" })
  async failedGrades(@Root() run: ExperimentRun, @Ctx() { loaders }: Context): Promise<number> {
    return (await loaders.runFailures(run.id)).grades;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: "USD this start's attempts spent against its budget; null without a budget (not counted then)",
  })
  spentUsd(@Root() run: ExperimentRun): number | null {
    return run.budgetUsd === null ? null : run.spentUsd;
  }
}
