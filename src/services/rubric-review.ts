/**
 * Rubric review: how a case becomes eligible. A reviewer (an email address; the token's identity
 * once the API has one) accepts or refuses a rubric, or edits its criteria into a new rubric derived
 * from it. Eligibility counts distinct human authors of accepted rubrics, so accepting someone
 * else's rubric (the LLM's, usually) stores the reviewer's signed copy (author = reviewer,
 * parent_rubric_id = the rubric reviewed), as the existing tool does; a reviewer's own rubric is
 * accepted or refused in place.
 */
import type { DataSource } from "typeorm";
import { LLM_AUTHOR, Rubric, RubricValidation } from "../../entities/rubric";
import { badInput, notFound } from "../errors";
import type { CaseService } from "./cases";
import { MIN_HUMAN_AUTHORS } from "./experiments";
import { assertMaxChars } from "../limits/caps";
import { assertAuthor } from "./validation";

export interface ReviewOutcome {
  /** The rubric that now carries the reviewer's decision (a new derived one, or the reviewer's own). */
  rubric: Rubric;
  caseId: number;
  humanAuthors: number;
  eligible: boolean;
}

export interface QueueEntry {
  caseId: number;
  caseName: string;
  humanAuthors: number;
  /** Accepting reviewers still missing before the case is eligible. */
  reviewersNeeded: number;
  /** Rubrics nobody has accepted or refused yet (the LLM's, or a reviewer's unvalidated ones). */
  rubricsToReview: number;
}

export class RubricReviewService {
  constructor(
    private readonly db: DataSource,
    private readonly cases: CaseService,
  ) {}

  private get rubrics() {
    return this.db.getRepository(Rubric);
  }

  find(id: number): Promise<Rubric | null> {
    return this.rubrics.findOneBy({ id });
  }

  async get(id: number): Promise<Rubric> {
    const rubric = await this.rubrics.findOneBy({ id });
    if (!rubric) throw notFound("Rubric", id);
    return rubric;
  }

  accept(id: number, reviewer: string | undefined, comments?: string): Promise<ReviewOutcome> {
    return this.decide(id, reviewer, RubricValidation.accepted, comments);
  }

  refuse(id: number, reviewer: string | undefined, comments?: string): Promise<ReviewOutcome> {
    return this.decide(id, reviewer, RubricValidation.refused, comments);
  }

  /** The reviewer's edited criteria as a new accepted rubric derived from `id`. */
  async revise(id: number, reviewer: string | undefined, criteria: unknown, comments?: string): Promise<ReviewOutcome> {
    assertReviewer(reviewer);
    const parent = await this.get(id);
    const rubric = await this.cases.addRubric({
      caseId: parent.caseId,
      author: reviewer,
      rubric: criteria,
      validation: RubricValidation.accepted,
      parentRubricId: parent.id,
      comments: comments ?? "",
    });
    return this.outcome(rubric);
  }

  private async decide(
    id: number,
    reviewer: string | undefined,
    validation: RubricValidation,
    comments?: string,
  ): Promise<ReviewOutcome> {
    assertMaxChars(comments, "comments", "textChars");
    assertReviewer(reviewer);
    const reviewed = await this.get(id);
    if (reviewed.author === reviewer) {
      reviewed.validation = validation;
      reviewed.validationTimestamp = new Date();
      if (comments !== undefined) reviewed.comments = comments;
      return this.outcome(await this.rubrics.save(reviewed));
    }
    // Deciding twice on the same rubric changes the reviewer's copy rather than adding another.
    const earlier = await this.rubrics.findOne({ where: { parentRubricId: id, author: reviewer }, order: { id: "DESC" } });
    if (earlier && JSON.stringify(earlier.rubric) === JSON.stringify(reviewed.rubric)) {
      earlier.validation = validation;
      earlier.validationTimestamp = new Date();
      if (comments !== undefined) earlier.comments = comments;
      return this.outcome(await this.rubrics.save(earlier));
    }
    const copy = await this.cases.addRubric({
      caseId: reviewed.caseId,
      author: reviewer,
      rubric: reviewed.rubric,
      validation,
      parentRubricId: reviewed.id,
      comments: comments ?? "",
    });
    return this.outcome(copy);
  }

  private async outcome(rubric: Rubric): Promise<ReviewOutcome> {
    const humanAuthors = (await this.cases.humanAuthorCounts([rubric.caseId])).get(rubric.caseId) ?? 0;
    return { rubric, caseId: rubric.caseId, humanAuthors, eligible: humanAuthors >= MIN_HUMAN_AUTHORS };
  }

  /** Cases that are not eligible yet, closest to eligible first. */
  async queue(): Promise<QueueEntry[]> {
    const rows: { case_id: number; name: string; authors: number; to_review: number }[] = await this.db.query(
      `SELECT c.id AS case_id, c.name,
              COUNT(DISTINCT r.author) FILTER (WHERE r.validation = 'accepted' AND r.author != $1)::int AS authors,
              COUNT(r.id) FILTER (WHERE r.validation = 'not_evaluated')::int AS to_review
         FROM "case" c LEFT JOIN rubric r ON r.case_id = c.id
        GROUP BY c.id, c.name
       HAVING COUNT(DISTINCT r.author) FILTER (WHERE r.validation = 'accepted' AND r.author != $1) < $2
        ORDER BY authors DESC, c.id`,
      [LLM_AUTHOR, MIN_HUMAN_AUTHORS],
    );
    return rows.map((r) => ({
      caseId: r.case_id,
      caseName: r.name,
      humanAuthors: r.authors,
      reviewersNeeded: MIN_HUMAN_AUTHORS - r.authors,
      rubricsToReview: r.to_review,
    }));
  }
}

/** A reviewer is a person: an email address, never `llm`. */
export function assertReviewer(reviewer: string | null | undefined): asserts reviewer is string {
  if (!reviewer) throw badInput("Say who reviews: give reviewer (your email address)");
  if (reviewer === LLM_AUTHOR) throw badInput(`"${LLM_AUTHOR}" cannot review a rubric: give the reviewer's email address`);
  assertAuthor(reviewer);
}
