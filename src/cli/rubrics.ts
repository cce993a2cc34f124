/**
 * `rubrics list|show|accept|refuse|add`: the reviewer's way to eligible cases from the terminal.
 * The reviewer is --reviewer, else NOTE_EVAL_REVIEWER (an email address).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, table, type CommandContext } from "./commands";
import { readCliEnv, UsageError } from "./options";

function out(ctx: CommandContext, text: string): void {
  ctx.io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function idOf(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1)
    throw new UsageError(`give the ${what} (a number), received "${value ?? ""}"`);
  return n;
}

function reviewerOf(ctx: CommandContext, flag: string | undefined): string {
  const reviewer = flag ?? readCliEnv(ctx.io.env).reviewer;
  if (!reviewer) throw new UsageError("say who reviews: --reviewer you@example.com (or NOTE_EVAL_REVIEWER)");
  return reviewer;
}

interface Criterion {
  criterion: string;
  weight: number;
  sense: string;
}

const REVIEW_FIELDS = "rubric { id author validation parentRubricId } caseId humanAuthors eligible";

interface Review {
  rubric: { id: number; author: string; validation: string; parentRubricId: number | null };
  caseId: number;
  humanAuthors: number;
  eligible: boolean;
}

function describeReview(ctx: CommandContext, verb: string, rubricId: number, review: Review): void {
  const copy = review.rubric.id === rubricId ? "" : ` as rubric ${review.rubric.id}`;
  out(ctx, `Rubric ${rubricId} ${verb} by ${review.rubric.author}${copy}.`);
  out(
    ctx,
    `Case ${review.caseId}: ${review.humanAuthors} human reviewer(s) accepted a rubric; ` +
      (review.eligible ? "the case is eligible." : `not eligible yet (needs 2).`),
  );
}

/** `rubrics list`: the review queue; `rubrics list --case N`: that case's rubrics. */
export async function rubricsList(ctx: CommandContext): Promise<number> {
  const { values } = parse(ctx.args, { case: { type: "string" }, json: { type: "boolean" } });
  if (values.case === undefined) {
    const { reviewQueue } = await ctx.client.request(
      `{ reviewQueue { caseId caseName humanAuthors reviewersNeeded rubricsToReview } }`,
    );
    if (values.json) return (out(ctx, JSON.stringify(reviewQueue, null, 2)), 0);
    if (reviewQueue.length === 0) return (out(ctx, "Every case is eligible: nothing to review."), 0);
    out(
      ctx,
      table([
        ["CASE", "NAME", "REVIEWERS", "NEEDED", "TO REVIEW"],
        ...reviewQueue.map((q: any) => [q.caseId, q.caseName, q.humanAuthors, q.reviewersNeeded, q.rubricsToReview]),
      ]),
    );
    out(ctx, `${reviewQueue.length} case(s) not eligible yet. See one: note-eval rubrics list --case <id>`);
    return 0;
  }
  const caseId = idOf(values.case, "case id");
  const { case: kase } = await ctx.client.request(
    `query($c: Int!) { case(id: $c) { id name humanAuthors eligible
       rubrics { id author validation parentRubricId created rubric { criterion } } } }`,
    { c: caseId },
  );
  if (!kase) throw new UsageError(`case ${caseId} does not exist`);
  if (values.json) return (out(ctx, JSON.stringify(kase, null, 2)), 0);
  out(
    ctx,
    table([
      ["ID", "AUTHOR", "VALIDATION", "PARENT", "CRITERIA"],
      ...kase.rubrics.map((r: any) => [r.id, r.author, r.validation, r.parentRubricId ?? "-", r.rubric.length]),
    ]),
  );
  out(
    ctx,
    `Case ${kase.id} ${kase.name}: ${kase.humanAuthors} human reviewer(s), ${kase.eligible ? "eligible" : "not eligible"}`,
  );
  return 0;
}

export async function rubricsShow(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(ctx.args, { json: { type: "boolean" } });
  const id = idOf(positionals[0], "rubric id");
  const { rubric } = await ctx.client.request(
    `query($id: Int!) { rubric(id: $id) { id caseId author validation parentRubricId comments rubric { criterion weight sense } } }`,
    { id },
  );
  if (!rubric) throw new UsageError(`rubric ${id} does not exist`);
  if (values.json) return (out(ctx, JSON.stringify(rubric, null, 2)), 0);
  out(
    ctx,
    `Rubric ${rubric.id} of case ${rubric.caseId} by ${rubric.author}, ${rubric.validation}` +
      (rubric.parentRubricId ? `, derived from rubric ${rubric.parentRubricId}` : ""),
  );
  out(
    ctx,
    table([
      ["#", "SENSE", "WEIGHT", "CRITERION"],
      ...(rubric.rubric as Criterion[]).map((c, i) => [i, c.sense, c.weight, c.criterion]),
    ]),
  );
  return 0;
}

async function decide(ctx: CommandContext, mutation: "acceptRubric" | "refuseRubric", verb: string): Promise<number> {
  const { values, positionals } = parse(ctx.args, { reviewer: { type: "string" }, comment: { type: "string" } });
  const rubricId = idOf(positionals[0], "rubric id");
  const data = await ctx.client.request(`mutation($i: ReviewRubricInput!) { ${mutation}(input: $i) { ${REVIEW_FIELDS} } }`, {
    i: { rubricId, reviewer: reviewerOf(ctx, values.reviewer), comments: values.comment ?? null },
  });
  describeReview(ctx, verb, rubricId, data[mutation]);
  return 0;
}

export const rubricsAccept = (ctx: CommandContext) => decide(ctx, "acceptRubric", "accepted");
export const rubricsRefuse = (ctx: CommandContext) => decide(ctx, "refuseRubric", "refused");

/**
 * `rubrics add --file criteria.json (--parent ID | --case N)`: the reviewer's own criteria, accepted
 * in their name; with --parent, as an edit derived from that rubric (of its case).
 */
export async function rubricsAdd(ctx: CommandContext): Promise<number> {
  const { values } = parse(ctx.args, {
    file: { type: "string", short: "f" },
    case: { type: "string" },
    parent: { type: "string" },
    reviewer: { type: "string" },
    comment: { type: "string" },
  });
  if (!values.file) throw new UsageError("usage: rubrics add --file criteria.json (--parent RUBRIC_ID | --case CASE_ID)");
  const file = path.resolve(ctx.io.cwd, values.file);
  let criteria: unknown;
  try {
    criteria = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read a JSON list of criteria from ${file}: ${(error as Error).message}`);
  }
  const reviewer = reviewerOf(ctx, values.reviewer);
  if (values.parent !== undefined) {
    const parent = idOf(values.parent, "parent rubric id");
    const { reviseRubric } = await ctx.client.request(
      `mutation($i: ReviseRubricInput!) { reviseRubric(input: $i) { ${REVIEW_FIELDS} } }`,
      { i: { rubricId: parent, reviewer, rubric: criteria, comments: values.comment ?? null } },
    );
    describeReview(ctx, "edited", parent, reviseRubric);
    return 0;
  }
  if (values.case === undefined) throw new UsageError("rubrics add needs --parent RUBRIC_ID (an edit) or --case CASE_ID");
  const caseId = idOf(values.case, "case id");
  const { addRubric } = await ctx.client.request(`mutation($i: AddRubricInput!) { addRubric(input: $i) { id } }`, {
    i: { caseId, author: reviewer, rubric: criteria, validation: "accepted", comments: values.comment ?? "" },
  });
  const { case: kase } = await ctx.client.request(`query($c: Int!) { case(id: $c) { humanAuthors eligible } }`, { c: caseId });
  describeReview(ctx, "added", addRubric.id, {
    rubric: { id: addRubric.id, author: reviewer, validation: "accepted", parentRubricId: null },
    caseId,
    humanAuthors: kase.humanAuthors,
    eligible: kase.eligible,
  });
  return 0;
}
