import { Field, InputType, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Rubric } from "../../entities/rubric";

@ObjectType({ description: "A reviewer's decision and where it leaves the case" })
export class RubricReview {
  @Field(() => Rubric, { description: "The rubric carrying the decision: the reviewer's signed copy, or their own rubric" })
  rubric!: Rubric;
  @Field(() => Int)
  caseId!: number;
  @Field(() => Int, { description: "Distinct human authors with an accepted rubric for the case, after this decision" })
  humanAuthors!: number;
  @Field({ description: "The case can now be added to experiments" })
  eligible!: boolean;
}

@ObjectType({ description: "A case that is not eligible yet" })
export class ReviewQueueEntry {
  @Field(() => Int)
  caseId!: number;
  @Field()
  caseName!: string;
  @Field(() => Int)
  humanAuthors!: number;
  @Field(() => Int, { description: "Accepting reviewers still missing before the case is eligible" })
  reviewersNeeded!: number;
  @Field(() => Int, { description: "Rubrics nobody has accepted or refused yet" })
  rubricsToReview!: number;
}

@InputType()
export class ReviewRubricInput {
  @Field(() => Int)
  rubricId!: number;
  @Field(() => String, { nullable: true, description: "The reviewer's email address" })
  reviewer?: string | null;
  @Field(() => String, { nullable: true })
  comments?: string | null;
}

@InputType()
export class ReviseRubricInput extends ReviewRubricInput {
  @Field(() => GraphQLJSON, { description: "The edited criteria: a list of {criterion, weight > 0, sense: positive|negative}" })
  rubric!: unknown;
}
