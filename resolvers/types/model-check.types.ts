import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "What the vendor answered when asked about a model" })
export class ModelCheckResult {
  @Field({ description: "ok, no_key, key_refused, not_found, retired, unreachable or error" })
  status!: string;

  @Field({ description: "The resolved model name that was asked about" })
  model!: string;

  @Field({ description: "The answer in plain words, with what to do" })
  message!: string;

  @Field(() => String, { nullable: true, description: "End-of-life date (YYYY-MM-DD) when the vendor or the SDK gives one" })
  endOfLife!: string | null;
}
