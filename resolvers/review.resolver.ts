import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Case } from "../entities/case";
import { Rubric } from "../entities/rubric";
import type { Context } from "../src/context";
import { MIN_HUMAN_AUTHORS } from "../src/services/experiments";
import { assertReviewer } from "../src/services/rubric-review";
import { ReviewQueueEntry, ReviewRubricInput, ReviseRubricInput, RubricReview } from "./types/review.types";

/**
 * The reviewer of a decision: the one named in the input (an email address), once the caller's token
 * may sign as that person (a token speaks for one reviewer: TokenService.reviewAs).
 */
async function reviewerOf(input: ReviewRubricInput, { tokens, principal }: Context): Promise<string | undefined> {
  const reviewer = input.reviewer ?? undefined;
  if (reviewer) {
    assertReviewer(reviewer);
    await tokens.reviewAs(principal, reviewer);
  }
  return reviewer;
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
  async acceptRubric(@Arg("input") input: ReviewRubricInput, @Ctx() context: Context): Promise<RubricReview> {
    return context.services.review.accept(input.rubricId, await reviewerOf(input, context), input.comments ?? undefined);
  }

  @Authorized("reviewer")
  @Mutation(() => RubricReview, { description: "Refuses a rubric, recorded as acceptRubric records an acceptance" })
  async refuseRubric(@Arg("input") input: ReviewRubricInput, @Ctx() context: Context): Promise<RubricReview> {
    return context.services.review.refuse(input.rubricId, await reviewerOf(input, context), input.comments ?? undefined);
  }

  @Authorized("reviewer")
  @Mutation(() => RubricReview, {
    description: "The reviewer's edit of a rubric's criteria (weight, sense, text): a new accepted rubric derived from it",
  })
  async reviseRubric(@Arg("input") input: ReviseRubricInput, @Ctx() context: Context): Promise<RubricReview> {
    const reviewer = await reviewerOf(input, context);
    return context.services.review.revise(input.rubricId, reviewer, input.rubric, input.comments ?? undefined);
  }

  @FieldResolver(() => Boolean, { description: `Accepted rubrics from ${MIN_HUMAN_AUTHORS} distinct human authors` })
  async eligible(@Root() kase: Case, @Ctx() { services }: Context): Promise<boolean> {
    return ((await services.cases.humanAuthorCounts([kase.id])).get(kase.id) ?? 0) >= MIN_HUMAN_AUTHORS;
  }
}
