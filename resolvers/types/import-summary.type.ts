import { Field, Int, ObjectType } from "type-graphql";

@ObjectType()
export class ImportSummary {
  @Field(() => Int, { description: "Cases created or updated" })
  cases!: number;

  @Field(() => Int, { description: "LLM rubrics found (added only when not already stored)" })
  rubrics!: number;

  @Field(() => [Int])
  caseIds!: number[];

  @Field({ description: "The folder on the server that was read" })
  folder!: string;
}
