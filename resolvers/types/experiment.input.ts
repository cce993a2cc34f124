import { Field, InputType, Int } from "type-graphql";

@InputType()
export class CreateExperimentInput {
  @Field({
    description:
      "Unique. Creating an experiment with an existing name updates its settings while it has no planned job; " +
      "afterwards a change of settings is CONFLICT (use cloneExperiment)",
  })
  name!: string;

  @Field({ defaultValue: "builtin", description: "The generator under test: a name listed by the generators query" })
  generator!: string;

  @Field({ description: "The version of the generator under test, e.g. a commit of its repository" })
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

@InputType({ description: "Settings of the clone that differ from its source; omitted fields are copied" })
export class ExperimentChangesInput {
  @Field({ nullable: true })
  generator?: string;

  @Field({ nullable: true })
  hyperscribeVersion?: string;

  @Field(() => [Int], { nullable: true })
  cycleTimes?: number[];

  @Field(() => [Int], { nullable: true })
  cycleTranscriptOverlaps?: number[];

  @Field(() => Int, { nullable: true })
  noteReplications?: number;

  @Field(() => Int, { nullable: true })
  gradeReplications?: number;
}
