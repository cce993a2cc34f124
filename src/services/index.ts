import type { DataSource } from "typeorm";
import { CaseService } from "./cases";
import { ExperimentService } from "./experiments";
import { ModelService } from "./models";

export interface Services {
  cases: CaseService;
  models: ModelService;
  experiments: ExperimentService;
}

export function makeServices(db: DataSource): Services {
  const cases = new CaseService(db);
  const models = new ModelService(db);
  const experiments = new ExperimentService(db, cases, models);
  return { cases, models, experiments };
}
