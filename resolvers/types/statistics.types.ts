/** GraphQL shapes of experimentSummary and compareArms (docs/statistics.md explains each figure). */
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

export enum ScoreScaleEnum {
  overall = "overall",
  normalised = "normalised",
}
registerEnumType(ScoreScaleEnum, {
  name: "ScoreScale",
  description: "overall = overall_score; normalised = overall ÷ the rubric's positive weights × 100",
});

@ObjectType({ description: "A mean over case means with its 95 % t-interval (C − 1 df); lo/hi null below 2 cases" })
export class MeanInterval {
  @Field(() => Int, { description: "Values (cases) the mean is over" })
  n!: number;
  @Field(() => Float, { nullable: true })
  mean!: number | null;
  @Field(() => Float, { nullable: true, description: "Standard deviation of the values" })
  sd!: number | null;
  @Field(() => Float, { nullable: true })
  lo!: number | null;
  @Field(() => Float, { nullable: true })
  hi!: number | null;
}

@ObjectType()
export class JobTally {
  @Field(() => Int)
  planned!: number;
  @Field(() => Int)
  succeeded!: number;
  @Field(() => Int)
  failed!: number;
  @Field(() => Int, { description: "Planned or running" })
  pending!: number;
}

@ObjectType()
export class CombinationLabel {
  @Field(() => Int)
  id!: number;
  @Field()
  generator!: string;
  @Field()
  grader!: string;
  @Field()
  graderIsReasoning!: boolean;
  @Field({ description: "generator → grader (reasoning)" })
  label!: string;
}

@ObjectType()
export class VarianceComponent {
  @Field({ description: "case, note (within case), rubric (within note: the rubric-author effect) or grade (replication)" })
  level!: string;
  @Field(() => Float, {
    nullable: true,
    description: "Method-of-moments estimate (negative shown as 0); null when the design cannot separate it",
  })
  variance!: number | null;
  @Field(() => Float, { nullable: true, description: "Share of the total, 0..1" })
  share!: number | null;
  @Field(() => Int)
  df!: number;
}

@ObjectType()
export class PerParent {
  @Field(() => Float)
  notesPerCase!: number;
  @Field(() => Float)
  rubricsPerNote!: number;
  @Field(() => Float)
  gradesPerRubric!: number;
}

@ObjectType()
export class VarianceSplitType {
  @Field(() => [VarianceComponent])
  components!: VarianceComponent[];
  @Field(() => PerParent)
  perParent!: PerParent;
  @Field({ description: "What narrows the CI most, in plain words" })
  implication!: string;
  @Field({ description: "add-cases, add-note-replications, add-grade-replications or not-enough-data" })
  advice!: string;
}

@ObjectType()
export class AlphaType {
  @Field(() => Float, { nullable: true, description: "Krippendorff's alpha (interval); null with nothing to compare" })
  alpha!: number | null;
  @Field(() => Int, { description: "Units with at least 2 values" })
  units!: number;
  @Field(() => Int, { description: "Pairable values" })
  values!: number;
}

@ObjectType()
export class Agreement {
  @Field(() => AlphaType, { description: "Units = notes, values = each rubric author's normalised score of the note" })
  betweenAuthors!: AlphaType;
  @Field(() => AlphaType, { description: "Units = (note, rubric), values = the grade replications' overall scores" })
  acrossReplications!: AlphaType;
}

@ObjectType({
  description: "A rubric criterion's satisfaction in an arm (satisfaction: for a negative criterion 100 = fault absent)",
})
export class CriterionFigure {
  @Field(() => Int)
  rubricId!: number;
  @Field(() => Int, { description: "Position in the rubric, from 0" })
  index!: number;
  @Field({ description: "The case of the rubric" })
  caseName!: string;
  @Field({ description: "The rubric's author" })
  author!: string;
  @Field()
  criterion!: string;
  @Field(() => Float)
  weight!: number;
  @Field()
  sense!: string;
  @Field(() => Float)
  meanSatisfaction!: number;
  @Field(() => Int)
  grades!: number;
  @Field(() => Int, { description: "(note, rubric) units with at least 2 grade replications" })
  replicatedUnits!: number;
  @Field(() => Int, { description: "Of those, units whose satisfaction is ≥ 50 in one replication and < 50 in another" })
  flippedUnits!: number;
  @Field(() => Float, { nullable: true })
  flipRate!: number | null;
}

@ObjectType({ description: "One combination × overlap of an experiment" })
export class ArmSummary {
  @Field(() => Int, { nullable: true, description: "null for notes whose combination was removed" })
  combinationId!: number | null;
  @Field(() => CombinationLabel, { nullable: true })
  combination!: CombinationLabel | null;
  @Field(() => Int)
  overlap!: number;
  @Field(() => Int, { description: "Cases with at least one grade (C)" })
  cases!: number;
  @Field(() => Int, { description: "Cases with planned notes" })
  casesPlanned!: number;
  @Field(() => JobTally)
  notes!: JobTally;
  @Field(() => JobTally)
  grades!: JobTally;
  @Field(() => Float, { nullable: true, description: "Mean over succeeded notes; null when one of them is unpriced" })
  costPerNote!: number | null;
  @Field(() => Float, { nullable: true, description: "Mean over succeeded grades; null when one of them is unpriced" })
  costPerGrade!: number | null;
  @Field(() => Int, { description: "Succeeded notes whose cost is unknown: their model has no price" })
  unpricedNotes!: number;
  @Field(() => Int, { description: "Succeeded grades whose cost is unknown: their model has no price" })
  unpricedGrades!: number;
  @Field(() => Float, { nullable: true, description: "Input + output tokens, mean over succeeded notes" })
  tokensPerNote!: number | null;
  @Field(() => Float, { nullable: true })
  tokensPerGrade!: number | null;
  @Field(() => MeanInterval, { description: "Mean of case means of overall_score, 95 % t-CI" })
  score!: MeanInterval;
  @Field(() => MeanInterval, { description: "The same for normalised scores" })
  normalised!: MeanInterval;
  @Field(() => VarianceSplitType)
  varianceSplit!: VarianceSplitType;
  @Field(() => Agreement)
  agreement!: Agreement;
  @Field(() => [CriterionFigure], { description: "Lowest mean satisfaction first" })
  worstCriteria!: CriterionFigure[];
}

@ObjectType()
export class ExperimentSummary {
  @Field(() => Int)
  experimentId!: number;
  @Field()
  experimentName!: string;
  @Field()
  generator!: string;
  @Field()
  version!: string;
  @Field(() => [ArmSummary])
  arms!: ArmSummary[];
}

@InputType({
  description: "An arm: an experiment's combination at one overlap (either may be left out when the experiment has one)",
})
export class ArmInput {
  @Field(() => Int)
  experimentId!: number;
  @Field(() => Int, { nullable: true })
  combinationId?: number | null;
  @Field(() => Int, { nullable: true })
  overlap?: number | null;
}

@ObjectType()
export class ResolvedArm {
  @Field(() => Int)
  index!: number;
  @Field(() => Int)
  experimentId!: number;
  @Field()
  experimentName!: string;
  @Field()
  version!: string;
  @Field(() => Int)
  combinationId!: number;
  @Field(() => CombinationLabel, { nullable: true })
  combination!: CombinationLabel | null;
  @Field(() => Int)
  overlap!: number;
  @Field()
  label!: string;
  @Field(() => Int)
  cases!: number;
  @Field(() => MeanInterval)
  mean!: MeanInterval;
}

@ObjectType()
export class BootstrapIntervalType {
  @Field(() => Float, { nullable: true })
  lo!: number | null;
  @Field(() => Float, { nullable: true })
  hi!: number | null;
  @Field(() => Int)
  resamples!: number;
  @Field(() => Float, { description: "The seed of the resampling: the same seed gives the same interval" })
  seed!: number;
}

@ObjectType()
export class CaseDifference {
  @Field(() => Int)
  caseId!: number;
  @Field()
  caseName!: string;
  @Field(() => Float, { description: "Case mean in the arm" })
  a!: number;
  @Field(() => Float, { description: "Case mean in the baseline" })
  b!: number;
  @Field(() => Float, { description: "a − b" })
  difference!: number;
}

@ObjectType()
export class CriterionMove {
  @Field(() => Int)
  rubricId!: number;
  @Field(() => Int)
  index!: number;
  @Field()
  caseName!: string;
  @Field()
  author!: string;
  @Field()
  criterion!: string;
  @Field(() => Float)
  weight!: number;
  @Field()
  sense!: string;
  @Field(() => Float)
  meanSatisfactionA!: number;
  @Field(() => Float)
  meanSatisfactionB!: number;
  @Field(() => Float, { description: "A − B (arm − baseline)" })
  difference!: number;
  @Field(() => Int)
  gradesA!: number;
  @Field(() => Int)
  gradesB!: number;
}

@ObjectType({ description: "An arm against the baseline, paired by case: d_c = case mean (arm) − case mean (baseline)" })
export class ArmComparison {
  @Field(() => Int)
  arm!: number;
  @Field(() => Int)
  baseline!: number;
  @Field(() => Int, { description: "Cases graded in both arms" })
  matched!: number;
  @Field(() => [Int], { description: "Cases graded in this arm only (not compared)" })
  droppedA!: number[];
  @Field(() => [Int], { description: "Cases graded in the baseline only (not compared)" })
  droppedB!: number[];
  @Field(() => MeanInterval, { description: "Mean of d_c with its 95 % t-CI" })
  difference!: MeanInterval;
  @Field(() => Float, { nullable: true })
  t!: number | null;
  @Field(() => Int, { nullable: true })
  df!: number | null;
  @Field(() => Float, { nullable: true, description: "Two-sided paired t-test" })
  p!: number | null;
  @Field(() => Float, { nullable: true, description: "Holm-adjusted over this request's comparisons" })
  holmP!: number | null;
  @Field(() => BootstrapIntervalType, { description: "Case-level percentile bootstrap 95 % CI of the mean difference" })
  bootstrap!: BootstrapIntervalType;
  @Field(() => Float, { nullable: true, description: "The difference casesNeeded is for" })
  detectDifference!: number | null;
  @Field(() => Int, { nullable: true, description: "Cases a paired t-test needs for 80 % power at alpha 0.05" })
  casesNeeded!: number | null;
  @Field(() => [CaseDifference])
  differences!: CaseDifference[];
  @Field(() => [CriterionMove], { description: "Criteria graded in both arms, largest change of mean satisfaction first" })
  criteriaThatMoved!: CriterionMove[];
}

@ObjectType()
export class ArmsComparison {
  @Field(() => ScoreScaleEnum)
  scale!: ScoreScaleEnum;
  @Field(() => Float)
  seed!: number;
  @Field(() => Int)
  resamples!: number;
  @Field(() => Int)
  baseline!: number;
  @Field(() => [ResolvedArm])
  arms!: ResolvedArm[];
  @Field(() => [ArmComparison])
  comparisons!: ArmComparison[];
}
