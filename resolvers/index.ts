import { CaseResolver } from "./case.resolver";
import { ExperimentModelResolver, ExperimentResolver } from "./experiment.resolver";
import { GeneratorResolver } from "./generator.resolver";
import { NoteProvenanceResolver } from "./provenance.resolver";
import { ModelResolver } from "./model.resolver";
import { ExperimentResultResolver, ExperimentResultScoreResolver, RunResolver } from "./run.resolver";
import { StatisticsResolver } from "./statistics.resolver";

export const RESOLVERS = [
  CaseResolver,
  ModelResolver,
  ExperimentResolver,
  ExperimentModelResolver,
  RunResolver,
  ExperimentResultResolver,
  ExperimentResultScoreResolver,
  StatisticsResolver,
  GeneratorResolver,
  NoteProvenanceResolver,
] as const;
