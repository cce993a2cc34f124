/**
 * Cost before and during a run, through GraphQL against the fake vendor: a model without a price
 * costs null (unknown) with an "unpriced" count, never 0.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment, startRun, waitForRunEnd } from "./support/experiment";

/** gen-openai is priced here; grade-anthropic (the grader of the default seed) is not. */
const PRICES = { "gen-openai": { input: 2, output: 8 } };

describe("cost", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false });
    t = await startTestApp({ LLM_PRICES_JSON: JSON.stringify(PRICES) });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("an unpriced grader's grades cost null and are counted as unpriced, in progress, results and the summary", async () => {
    const seeded = await seedExperiment(t, fake, { name: "unpriced", cases: 2 }); // 2 notes, 2 rubrics each: 4 grades
    const run = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 1");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");

    const {
      experimentProgress: p,
      experimentResults: r,
      experimentSummary: s,
    } = dataOf(
      await t.gql(
        `query($e: Int!) {
          experimentProgress(experimentId: $e) { costUsd unpriced grades { succeeded } }
          experimentResults(experimentId: $e) { edges { node { costUsd inputTokens outputTokens scores { costUsd inputTokens } } } }
          experimentSummary(experimentId: $e) { arms { costPerNote costPerGrade unpricedNotes unpricedGrades } } }`,
        { e: seeded.experimentId },
      ),
    );
    expect(p).toEqual({ costUsd: null, unpriced: 4, grades: { succeeded: 4 } });
    const notes = r.edges.map((e: any) => e.node);
    expect(notes).toHaveLength(2);
    for (const note of notes) {
      // the generator is priced: its cost is its tokens at the configured price
      expect(note.costUsd).toBeCloseTo((note.inputTokens * 2 + note.outputTokens * 8) / 1e6, 6);
      expect(note.costUsd).toBeGreaterThan(0);
      expect(note.scores).toHaveLength(2);
      for (const score of note.scores) {
        expect(score.inputTokens).toBeGreaterThan(0);
        expect(score.costUsd).toBeNull();
      }
    }
    expect(s.arms).toHaveLength(1);
    expect(s.arms[0]).toMatchObject({ costPerGrade: null, unpricedNotes: 0, unpricedGrades: 4 });
    expect(s.arms[0].costPerNote).toBeGreaterThan(0);
  });
});
