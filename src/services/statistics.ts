/** The statistics use cases: an experiment's summary and paired comparisons of arms. */
import type { DataSource } from "typeorm";
import { compareArms, type ArmSpec, type ArmsComparison, type CompareOptions } from "./compare-arms";
import { experimentSummary, type ExperimentSummary } from "./experiment-summary";

export class StatisticsService {
  constructor(private readonly db: DataSource) {}

  summary(experimentId: number): Promise<ExperimentSummary> {
    return experimentSummary(this.db, experimentId);
  }

  compare(arms: readonly ArmSpec[], options: CompareOptions): Promise<ArmsComparison> {
    return compareArms(this.db, arms, options);
  }
}
