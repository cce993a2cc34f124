import { Field, InputType, Int } from "type-graphql";

@InputType()
export class CreateExperimentInput {
  @Field({ description: "Unique; creating an experiment with an existing name updates its settings" })
  name!: string;

  @Field({ description: "The version of the note generator under test, e.g. a commit hash" })
  hyperscribeVersion!: string;

  @Field(() => [Int], { nullable: true, defaultValue: [] })
  cycleTimes?: number[];

  @Field(() => [Int], { defaultValue: [100], description: "Words of previous cycles given as context; one run per value" })
  cycleTranscriptOverlaps!: number[];

  @Field(() => Int, { defaultValue: 1 })
  noteReplications!: number;

  @Field(() => Int, { defaultValue: 1 })
  gradeReplications!: number;
}

@InputType()
export class AddExperimentModelInput {
  @Field(() => Int)
  experimentId!: number;

  @Field(() => Int)
  modelNoteGeneratorId!: number;

  @Field(() => Int)
  modelNoteGraderId!: number;

  @Field({ defaultValue: false })
  modelNoteGraderIsReasoning!: boolean;
}
