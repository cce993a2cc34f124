import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A low and a high estimate" })
export class EstimateRange {
  @Field(() => Float)
  low!: number;
  @Field(() => Float)
  high!: number;
}

@ObjectType({ description: "What one model's calls of a run would cost" })
export class ModelEstimate {
  @Field()
  vendor!: string;
  @Field({ description: "The model name in force (the price table's key)" })
  model!: string;
  @Field(() => Int, { description: "Note jobs that call this model" })
  notes!: number;
  @Field(() => Int, { description: "Grade jobs that call this model" })
  grades!: number;
  @Field(() => Int, { description: "Calls without retries or repairs: one per transcript cycle for a note, one per grade" })
  calls!: number;
  @Field(() => EstimateRange)
  inputTokens!: EstimateRange;
  @Field(() => EstimateRange)
  outputTokens!: EstimateRange;
  @Field(() => EstimateRange, { nullable: true, description: "USD; null when the model has no price (unpriced)" })
  costUsd!: EstimateRange | null;
}

@ObjectType({ description: "What starting the experiment now would cost (docs/budgets.md)" })
export class RunEstimate {
  @Field(() => Int)
  experimentId!: number;
  @Field({ description: "all: every job (nothing finished yet); remaining: the jobs a start would still work on" })
  scope!: string;
  @Field({ description: '"from input sizes", or "calibrated by N finished jobs (n notes, g grades)"' })
  basis!: string;
  @Field(() => Int, { description: "Succeeded notes whose real tokens calibrate the note estimates" })
  calibratedNotes!: number;
  @Field(() => Int, { description: "Succeeded grades whose real tokens calibrate the grade estimates" })
  calibratedGrades!: number;
  @Field(() => Int)
  notes!: number;
  @Field(() => Int)
  grades!: number;
  @Field(() => Int)
  calls!: number;
  @Field(() => EstimateRange)
  inputTokens!: EstimateRange;
  @Field(() => EstimateRange)
  outputTokens!: EstimateRange;
  @Field(() => EstimateRange, { nullable: true, description: "USD; null when a model of the run has no price" })
  costUsd!: EstimateRange | null;
  @Field(() => [String], { description: "vendor/model of the models without a price: their cost is unknown, not 0" })
  unpricedModels!: string[];
  @Field(() => [ModelEstimate])
  models!: ModelEstimate[];
}
