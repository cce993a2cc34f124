import { Arg, Authorized, Ctx, Float, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../src/context";
import { ArmInput, ArmsComparison, ExperimentSummary, ScoreScaleEnum } from "./types/statistics.types";

@Resolver()
export class StatisticsResolver {
  @Authorized("viewer")
  @Query(() => ExperimentSummary, {
    description:
      "Per combination × overlap: counts and failures, the mean of case means with its 95 % CI (raw and normalised), " +
      "cost and tokens, the variance split, agreement and the worst criteria (docs/statistics.md)",
  })
  experimentSummary(
    @Arg("experimentId", () => Int) experimentId: number,
    @Ctx() { services }: Context,
  ): Promise<ExperimentSummary> {
    return services.statistics.summary(experimentId);
  }

  @Authorized("viewer")
  @Query(() => ArmsComparison, {
    description:
      "Each arm against the baseline arm (an index into arms), paired by case: mean difference, t-CI, paired t-test p, " +
      "Holm-adjusted p, seeded bootstrap CI, cases needed for 80 % power, and the criteria that moved",
  })
  compareArms(
    @Arg("arms", () => [ArmInput]) arms: ArmInput[],
    @Arg("baseline", () => Int, { defaultValue: 0 }) baseline: number,
    @Arg("scale", () => ScoreScaleEnum, { defaultValue: ScoreScaleEnum.overall }) scale: ScoreScaleEnum,
    @Arg("seed", () => Float, { nullable: true, description: "Bootstrap seed, 0 to 4294967295 (default fixed)" })
    seed: number | null,
    @Arg("detectDifference", () => Float, { nullable: true, description: "Default: the observed |mean difference|" })
    detectDifference: number | null,
    @Ctx() { services }: Context,
  ): Promise<ArmsComparison> {
    return services.statistics.compare(arms, {
      baseline,
      scale,
      seed: seed ?? undefined,
      detectDifference,
    }) as Promise<ArmsComparison>; // the service's scale strings are the enum's values
  }
}
