import { Field, Float, InputType, Int } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { MaxLength, MinLength } from "class-validator";
import { CaseValidationStatus } from "../../entities/case";
import { RubricValidation } from "../../entities/rubric";

@InputType()
export class ImportCaseInput {
  @Field({ description: "Unique; importing a case with an existing name updates that case" })
  @MinLength(1)
  @MaxLength(500)
  name!: string;

  @Field(() => GraphQLJSON, { description: "A list of {speaker, text} turns, or an object of cycles {cycle_001: [turns]}" })
  transcript!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  limitedChart?: unknown;

  @Field({ nullable: true })
  profile?: string;

  @Field(() => CaseValidationStatus, { nullable: true })
  validationStatus?: CaseValidationStatus;

  @Field({ nullable: true })
  batchIdentifier?: string;

  @Field(() => GraphQLJSON, { nullable: true })
  tags?: unknown;
}

@InputType()
export class AddRubricInput {
  @Field(() => Int)
  caseId!: number;

  @Field({ description: "The reviewer's email address, or `llm` for a generated rubric" })
  author!: string;

  @Field(() => GraphQLJSON, { description: "A list of {criterion, weight > 0, sense: positive|negative}" })
  rubric!: unknown;

  @Field(() => RubricValidation, { nullable: true, defaultValue: RubricValidation.not_evaluated })
  validation?: RubricValidation;

  @Field(() => Int, { nullable: true, description: "The rubric this one was derived from" })
  parentRubricId?: number;

  @Field({ nullable: true })
  comments?: string;

  @Field({ nullable: true })
  textLlmVendor?: string;

  @Field({ nullable: true })
  textLlmName?: string;

  @Field(() => Float, { nullable: true })
  temperature?: number;
}
