import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Case } from "../entities/case";
import { Rubric } from "../entities/rubric";
import type { Context } from "../src/context";
import { MIN_HUMAN_AUTHORS } from "../src/services/experiments";
import { ReviewQueueEntry, ReviewRubricInput, ReviseRubricInput, RubricReview } from "./types/review.types";

/** The reviewer of a decision: the one named in the input (an email address). */
function reviewerOf(input: ReviewRubricInput): string | undefined {
  return input.reviewer ?? undefined;
}

@Resolver(() => Case)
export class ReviewResolver {
  @Authorized("viewer")
  @Query(() => [ReviewQueueEntry], { description: "Cases that are not eligible yet, closest to eligible first" })
  reviewQueue(@Ctx() { services }: Context): Promise<ReviewQueueEntry[]> {
    return services.review.queue();
  }

  @Authorized("viewer")
  @Query(() => Rubric, { nullable: true })
  async rubric(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<Rubric | null> {
    return services.review.find(id);
  }

  @Authorized("reviewer")
  @Mutation(() => RubricReview, {
    description:
      "Accepts a rubric: someone else's (e.g. the LLM's) as the reviewer's signed copy (parentRubricId = the rubric " +
      "reviewed), the reviewer's own in place. Says whether the case became eligible",
  })
  acceptRubric(@Arg("input") input: ReviewRubricInput, @Ctx() { services }: Context): Promise<RubricReview> {
    return services.review.accept(input.rubricId, reviewerOf(input), input.comments ?? undefined);
  }

  @Authorized("reviewer")
  @Mutation(() => RubricReview, { description: "Refuses a rubric, recorded as acceptRubric records an acceptance" })
  refuseRubric(@Arg("input") input: ReviewRubricInput, @Ctx() { services }: Context): Promise<RubricReview> {
    return services.review.refuse(input.rubricId, reviewerOf(input), input.comments ?? undefined);
  }

  @Authorized("reviewer")
  @Mutation(() => RubricReview, {
    description: "The reviewer's edit of a rubric's criteria (weight, sense, text): a new accepted rubric derived from it",
  })
  reviseRubric(@Arg("input") input: ReviseRubricInput, @Ctx() { services }: Context): Promise<RubricReview> {
    return services.review.revise(input.rubricId, reviewerOf(input), input.rubric, input.comments ?? undefined);
  }

  @FieldResolver(() => Boolean, { description: `Accepted rubrics from ${MIN_HUMAN_AUTHORS} distinct human authors` })
  async eligible(@Root() kase: Case, @Ctx() { services }: Context): Promise<boolean> {
    return ((await services.cases.humanAuthorCounts([kase.id])).get(kase.id) ?? 0) >= MIN_HUMAN_AUTHORS;
  }
}
