import { CaseResolver } from "./case.resolver";
import { ExperimentModelResolver, ExperimentResolver } from "./experiment.resolver";
import { ModelResolver } from "./model.resolver";

export const RESOLVERS = [CaseResolver, ModelResolver, ExperimentResolver, ExperimentModelResolver] as const;
