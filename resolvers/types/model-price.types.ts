import { Field, Float, ObjectType } from "type-graphql";

@ObjectType({ description: "A model's price in force (the built-in table, then LLM_PRICES_JSON), USD per million tokens" })
export class ModelPrice {
  @Field(() => Float, { description: "USD per million input tokens" })
  input!: number;

  @Field(() => Float, { description: "USD per million output tokens" })
  output!: number;
}
