import { CaseResolver } from "./case.resolver";
import { ExperimentModelResolver, ExperimentResolver } from "./experiment.resolver";
import { ModelResolver } from "./model.resolver";
import { ExperimentResultResolver, ExperimentResultScoreResolver, RunResolver } from "./run.resolver";

export const RESOLVERS = [
  CaseResolver,
  ModelResolver,
  ExperimentResolver,
  ExperimentModelResolver,
  RunResolver,
  ExperimentResultResolver,
  ExperimentResultScoreResolver,
] as const;
