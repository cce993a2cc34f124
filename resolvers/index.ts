import { CaseResolver } from "./case.resolver";
import { ExperimentModelResolver, ExperimentResolver } from "./experiment.resolver";
import { GeneratorResolver } from "./generator.resolver";
import { NoteProvenanceResolver } from "./provenance.resolver";
import { ModelResolver } from "./model.resolver";
import { TokenResolver } from "./token.resolver";
import { ExperimentResultResolver, ExperimentResultScoreResolver, RunResolver } from "./run.resolver";
import { ReviewResolver } from "./review.resolver";
import { RunHistoryResolver } from "./run-history.resolver";
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
  ReviewResolver,
  RunHistoryResolver,
  TokenResolver,
] as const;
