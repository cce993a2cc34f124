import type { DataSource } from "typeorm";
import type { GeneratorRegistry } from "../generators";
import type { LlmClients } from "../llm";
import type { ApiKeyCipher } from "../keys/api-keys";
import type { Logger } from "../logger";
import type { Runner } from "../runner/runner";
import { CaseService } from "./cases";
import { ExperimentService } from "./experiments";
import { ModelService } from "./models";
import { RubricReviewService } from "./rubric-review";
import { RunService } from "./runs";
import { StatisticsService } from "./statistics";

export interface Services {
  cases: CaseService;
  models: ModelService;
  experiments: ExperimentService;
  runs: RunService;
  statistics: StatisticsService;
  generators: GeneratorRegistry;
  review: RubricReviewService;
}

export interface ServiceOptions {
  llm: LlmClients;
  logger: Logger;
  generators: GeneratorRegistry;
  keys: ApiKeyCipher;
  baseUrlAllowlist: readonly string[];
}

export function makeServices(db: DataSource, runner: Runner, options: ServiceOptions): Services {
  const { llm, logger, generators, keys, baseUrlAllowlist } = options;
  const cases = new CaseService(db);
  const models = new ModelService(db, llm, keys, baseUrlAllowlist);
  const experiments = new ExperimentService(db, cases, models, generators);
  const runs = new RunService(db, runner, experiments, models, llm.config, logger, generators);
  const review = new RubricReviewService(db, cases);
  return { cases, models, experiments, runs, statistics: new StatisticsService(db), generators, review };
}
