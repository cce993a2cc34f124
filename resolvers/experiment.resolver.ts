import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Case } from "../entities/case";
import { Experiment } from "../entities/experiment";
import { ExperimentModel } from "../entities/experiment-model";
import { ExperimentRun } from "../entities/experiment-run";
import { GraphQLError } from "graphql";
import { Model } from "../entities/model";
import type { Context } from "../src/context";
import { ErrorCode } from "../src/errors";
import { AddExperimentModelInput, CreateExperimentInput, ExperimentChangesInput } from "./types/experiment.input";

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Authorized("viewer")
  @Query(() => [Experiment])
  experiments(@Ctx() { services }: Context): Promise<Experiment[]> {
    return services.experiments.list();
  }

  @Authorized("viewer")
  @Query(() => Experiment, { nullable: true })
  experiment(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<Experiment | null> {
    return services.experiments.get(id);
  }

  @FieldResolver(() => [Case])
  cases(@Root() experiment: Experiment, @Ctx() { services }: Context): Promise<Case[]> {
    return services.experiments.casesOf(experiment.id);
  }

  @FieldResolver(() => [ExperimentModel])
  models(@Root() experiment: Experiment, @Ctx() { services }: Context): Promise<ExperimentModel[]> {
    return services.experiments.modelsOf(experiment.id);
  }

  @FieldResolver(() => [ExperimentRun], { description: "Runs of this experiment, newest first" })
  runs(@Root() experiment: Experiment, @Ctx() { services }: Context): Promise<ExperimentRun[]> {
    return services.experiments.runsOf(experiment.id);
  }

  @Authorized("runner")
  @Mutation(() => Experiment, {
    description:
      "Creates an experiment, or updates the settings of the one with that name while it has no planned job " +
      "(afterwards, different settings are CONFLICT: clone it)",
  })
  createExperiment(@Arg("input") input: CreateExperimentInput, @Ctx() { services }: Context): Promise<Experiment> {
    return services.experiments.createOrUpdate(input);
  }

  @Authorized("runner")
  @Mutation(() => Experiment, {
    description: "A new experiment with the same cases and model combinations, and the source's settings except `changes`",
  })
  cloneExperiment(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("name") name: string,
    @Arg("changes", () => ExperimentChangesInput, { nullable: true }) changes: ExperimentChangesInput | null,
    @Ctx() { services }: Context,
  ): Promise<Experiment> {
    return services.experiments.clone(experimentId, name, changes ?? {});
  }

  @Authorized("runner")
  @Mutation(() => Experiment)
  addExperimentCase(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("caseId", () => Int) caseId: number,
    @Arg("allowIneligible", { defaultValue: false }) allowIneligible: boolean,
    @Ctx() { services }: Context,
  ): Promise<Experiment> {
    return services.experiments.addCases(experimentId, [caseId], allowIneligible);
  }

  @Authorized("runner")
  @Mutation(() => Experiment)
  addExperimentCases(
    @Arg("experimentId", () => Int) experimentId: number,
    @Arg("caseIds", () => [Int]) caseIds: number[],
    @Arg("allowIneligible", { defaultValue: false }) allowIneligible: boolean,
    @Ctx() { services }: Context,
  ): Promise<Experiment> {
    return services.experiments.addCases(experimentId, caseIds, allowIneligible);
  }

  @Authorized("runner")
  @Mutation(() => ExperimentModel)
  addExperimentModel(@Arg("input") input: AddExperimentModelInput, @Ctx() { services }: Context): Promise<ExperimentModel> {
    return services.experiments.addModel(input);
  }
}

/** A combination's models are non-null in the API; one deleted since is reported as NOT_FOUND. */
async function combinationModel(context: Context, combination: ExperimentModel, role: "generator" | "grader"): Promise<Model> {
  const id = role === "generator" ? combination.modelNoteGeneratorId : combination.modelNoteGraderId;
  const model = id === null ? null : await context.services.models.get(id);
  if (!model) {
    throw new GraphQLError(
      `The ${role} model of combination ${combination.id} was deleted: add a combination with an existing model`,
      {
        extensions: { code: ErrorCode.NOT_FOUND },
      },
    );
  }
  return model;
}

@Resolver(() => ExperimentModel)
export class ExperimentModelResolver {
  @FieldResolver(() => Model)
  noteGenerator(@Root() combination: ExperimentModel, @Ctx() context: Context): Promise<Model> {
    return combinationModel(context, combination, "generator");
  }

  @FieldResolver(() => Model)
  noteGrader(@Root() combination: ExperimentModel, @Ctx() context: Context): Promise<Model> {
    return combinationModel(context, combination, "grader");
  }

  @FieldResolver(() => Boolean)
  noteGraderIsReasoning(@Root() combination: ExperimentModel): boolean {
    return combination.modelNoteGraderIsReasoning;
  }
}
