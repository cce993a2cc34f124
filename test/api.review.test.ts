/**
 * Rubric review through the API (the way to an eligible case), and failures in plain sight: the
 * failed-grades filter, per-run failed counts, and the events of a finished run read back.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment, startRun, waitForRunEnd } from "./support/experiment";
import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";

const [ANA, BEN] = REVIEWERS;
const REVIEW = `rubric { id author validation parentRubricId rubric { criterion weight sense } } caseId humanAuthors eligible`;

describe("rubric review and failures in plain sight", () => {
  let t: TestApp;
  let fake: FakeLlmServer;

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 4, logBodies: false });
    t = await startTestApp({ LLM_TRANSPORT_RETRIES: "0", LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "2" });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  const review = async (mutation: string, input: Record<string, unknown>) =>
    t.gql(
      `mutation($i: ${mutation === "reviseRubric" ? "ReviseRubricInput" : "ReviewRubricInput"}!) { ${mutation}(input: $i) { ${REVIEW} } }`,
      {
        i: input,
      },
    );

  test("two reviewers make an imported case eligible: accept signs a copy, an edit derives a rubric, refusal takes it back", async () => {
    const { importCase } = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "review-me", transcript: $t}) { id } }`, { t: TRANSCRIPT }),
    );
    const caseId: number = importCase.id;
    const llm = dataOf(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: RUBRIC,
      }),
    ).addRubric.id as number;
    const queued = dataOf(await t.gql(`{ reviewQueue { caseId caseName humanAuthors reviewersNeeded rubricsToReview } }`));
    expect(queued.reviewQueue).toContainEqual({
      caseId,
      caseName: "review-me",
      humanAuthors: 0,
      reviewersNeeded: 2,
      rubricsToReview: 1,
    });

    const first = dataOf(await review("acceptRubric", { rubricId: llm, reviewer: ANA })).acceptRubric;
    expect(first).toMatchObject({ caseId, humanAuthors: 1, eligible: false });
    expect(first.rubric).toMatchObject({ author: ANA, validation: "accepted", parentRubricId: llm, rubric: RUBRIC });
    // Accepting again changes nothing: the same signed copy, still one reviewer.
    const again = dataOf(await review("acceptRubric", { rubricId: llm, reviewer: ANA })).acceptRubric;
    expect(again.rubric.id).toBe(first.rubric.id);

    const edited = RUBRIC.map((c, i) => (i === 0 ? { ...c, weight: 25, criterion: "Reward for noting morning dizziness" } : c));
    const second = dataOf(await review("reviseRubric", { rubricId: llm, reviewer: BEN, rubric: edited })).reviseRubric;
    expect(second).toMatchObject({ caseId, humanAuthors: 2, eligible: true });
    expect(second.rubric).toMatchObject({ author: BEN, validation: "accepted", parentRubricId: llm, rubric: edited });
    expect(dataOf(await t.gql(`{ reviewQueue { caseId } }`)).reviewQueue).not.toContainEqual({ caseId });
    expect(dataOf(await t.gql(`query($c: Int!) { case(id: $c) { eligible } }`, { c: caseId })).case.eligible).toBe(true);

    // Ana refuses her own copy after all: the case needs a second reviewer again.
    const refused = dataOf(await review("refuseRubric", { rubricId: first.rubric.id, reviewer: ANA })).refuseRubric;
    expect(refused).toMatchObject({ humanAuthors: 1, eligible: false });
    expect(refused.rubric).toMatchObject({ id: first.rubric.id, validation: "refused" });
  });

  test("a review needs a person: no reviewer, `llm`, or a bad edit are BAD_USER_INPUT; an unknown rubric NOT_FOUND", async () => {
    const { cases } = dataOf(await t.gql(`{ cases { id rubrics { id } } }`));
    const rubricId = cases[0].rubrics[0].id;
    const noReviewer = await review("acceptRubric", { rubricId });
    expect(errorCodeOf(noReviewer)).toBe("BAD_USER_INPUT");
    expect(noReviewer.errors![0].message).toMatch(/reviewer/);
    expect(errorCodeOf(await review("acceptRubric", { rubricId, reviewer: "llm" }))).toBe("BAD_USER_INPUT");
    const badEdit = await review("reviseRubric", {
      rubricId,
      reviewer: ANA,
      rubric: [{ criterion: "x", weight: -1, sense: "up" }],
    });
    expect(errorCodeOf(badEdit)).toBe("BAD_USER_INPUT");
    expect(badEdit.errors![0].message).toMatch(/weight must be a number > 0/);
    expect(errorCodeOf(await review("refuseRubric", { rubricId: 424242, reviewer: ANA }))).toBe("NOT_FOUND");
  });

  test("failed grades: the filter finds their notes, the run counts them, and its events keep every error after the end", async () => {
    const { experimentId } = await seedExperiment(t, fake, { name: "failing-grades", cases: 2 });
    fake.addFault({ match: { model: "grade-anthropic" }, fault: "500", every: 2 });
    try {
      const run = await startRun(t, experimentId, "workers: 2, maxAttempts: 1");
      expect(await waitForRunEnd(t, run.id)).toBe("finished");
    } finally {
      fake.reset();
    }
    const { experiment } = dataOf(
      await t.gql(`query($e: Int!) { experiment(id: $e) { runs { id status failedNotes failedGrades } } }`, { e: experimentId }),
    );
    const [run] = experiment.runs;
    expect(run.failedNotes).toBe(0);
    expect(run.failedGrades).toBe(2); // 2 notes × 2 rubrics, every second grading call refused

    const filtered = dataOf(
      await t.gql(
        `query($e: Int!) { experimentResults(experimentId: $e, failedGrades: true) { totalCount
           edges { node { scores { status attempts errors } } } } }`,
        { e: experimentId },
      ),
    ).experimentResults;
    const failedGrades = filtered.edges.flatMap((e: any) => e.node.scores).filter((s: any) => s.status === "failed");
    expect(failedGrades).toHaveLength(2);
    expect(failedGrades[0].attempts).toBe(1);
    expect(failedGrades[0].errors[0].message).toMatch(/500|Internal server error/);

    const { experimentEvents } = dataOf(
      await t.gql(`query($e: Int!) { experimentEvents(experimentId: $e, limit: 100) { type at runId gradeId error } }`, {
        e: experimentId,
      }),
    );
    const types = experimentEvents.map((e: { type: string }) => e.type);
    expect(types[0]).toBe("run_finished");
    expect(types.filter((x: string) => x === "grade_failed")).toHaveLength(2);
    expect(types.filter((x: string) => x === "note_succeeded")).toHaveLength(2);
    expect(types.at(-1)).toBe("run_started");
    for (const e of experimentEvents.filter((x: { type: string }) => x.type === "grade_failed"))
      expect(e.error).toMatch(/500|server error/i);
    const limited = dataOf(
      await t.gql(`query($e: Int!) { experimentEvents(experimentId: $e, limit: 3) { type } }`, { e: experimentId }),
    );
    expect(limited.experimentEvents).toHaveLength(3);
  });
});
