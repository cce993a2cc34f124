import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "Where a note came from: its generator at its version, the model it used, and what it spent" })
export class NoteProvenance {
  @Field({ description: "The generator's name in the operator's generators file" })
  generatorName!: string;

  @Field({ description: "builtin, command or http" })
  generatorKind!: string;

  @Field({ description: "The version as the experiment gave it" })
  version!: string;

  @Field(() => String, { nullable: true, description: "The full commit the generator ran at (a generator with a repository)" })
  commit!: string | null;

  @Field(() => String, { nullable: true, description: "The prompt version (builtin generators)" })
  promptVersion!: string | null;

  @Field()
  vendor!: string;

  @Field({ description: "The model actually used, as the generator reported it" })
  model!: string;

  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;

  @Field(() => Float, { nullable: true, description: "USD; null when the model has no price (unpriced)" })
  costUsd!: number | null;

  @Field(() => Int, { description: "From the job's first attempt in its run to the stored note" })
  durationMs!: number;
}
