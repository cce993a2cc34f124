/**
 * experimentSummary and compareArms through GraphQL, on runs against the fake vendor: the figures
 * agree with the raw grades the API returns, failures are counted, and two versions of an
 * experiment (a clone) compare case by case.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { RUBRIC } from "./support/fixtures";
import { seedExperiment, startRun, TWO_COMBINATIONS, waitForRunEnd, type SeededExperiment } from "./support/experiment";

const SUMMARY = `query($e: Int!) { experimentSummary(experimentId: $e) { experimentId experimentName version
  arms { combinationId overlap cases casesPlanned combination { label graderIsReasoning }
    notes { planned succeeded failed pending } grades { planned succeeded failed pending }
    costPerNote tokensPerNote tokensPerGrade
    score { n mean sd lo hi } normalised { n mean lo hi }
    varianceSplit { components { level variance share df } implication advice }
    agreement { betweenAuthors { alpha units values } acrossReplications { alpha units values } }
    worstCriteria { rubricId index criterion weight sense meanSatisfaction grades replicatedUnits flippedUnits flipRate } } } }`;

const COMPARE = `query($arms: [ArmInput!]!, $baseline: Int, $seed: Float) {
  compareArms(arms: $arms, baseline: $baseline, seed: $seed) { seed resamples baseline
    arms { index experimentId combinationId overlap label cases mean { n mean } }
    comparisons { arm baseline matched droppedA droppedB difference { n mean lo hi } t df p holmP
      bootstrap { lo hi resamples seed } casesNeeded detectDifference
      differences { caseId caseName a b difference }
      criteriaThatMoved { criterion weight sense meanSatisfactionA meanSatisfactionB difference } } } }`;

const RESULTS = `query($e: Int!) { experimentResults(experimentId: $e, first: 500) { edges { node {
  caseId experimentModelId scores { overallScore criteria { id satisfaction score criterion weight sense } } } } } }`;

interface RawGrade {
  caseId: number;
  combinationId: number;
  overall: number;
  criteria: { id: number; satisfaction: number; score: number; criterion: string; weight: number; sense: string }[];
}

async function rawGrades(t: TestApp, experimentId: number): Promise<RawGrade[]> {
  const { experimentResults } = dataOf(await t.gql(RESULTS, { e: experimentId }));
  return experimentResults.edges.flatMap(({ node }: any) =>
    node.scores
      .filter((s: any) => s.overallScore !== null)
      .map((s: any) => ({
        caseId: node.caseId,
        combinationId: node.experimentModelId,
        overall: s.overallScore,
        criteria: s.criteria,
      })),
  );
}

/** Case means by hand: the mean of every grade of the case. */
function caseMeansOf(grades: RawGrade[]): Map<number, number> {
  const sums = new Map<number, number[]>();
  for (const g of grades) sums.set(g.caseId, [...(sums.get(g.caseId) ?? []), g.overall]);
  return new Map([...sums].map(([c, v]) => [c, v.reduce((a, b) => a + b, 0) / v.length]));
}

describe("experimentSummary and compareArms", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let a: SeededExperiment;
  let bId: number;
  let gradesA: RawGrade[];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false });
    t = await startTestApp({ LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "5", LLM_TRANSPORT_RETRIES: "0" });
    a = await seedExperiment(t, fake, {
      name: "stats-a",
      cases: 4,
      noteReplications: 2,
      gradeReplications: 2,
      combinations: TWO_COMBINATIONS,
    });
    // every 5th grading request of the first combination's grader fails for good: failures are counted
    fake.addFault({ match: { model: "grade-anthropic" }, fault: "400", every: 5 });
    const run = await startRun(t, a.experimentId, "workers: 4, maxAttempts: 1");
    await waitForRunEnd(t, run.id);
    fake.reset();
    gradesA = await rawGrades(t, a.experimentId);

    // version 2: a clone of the experiment whose first-combination grader gives every criterion 100
    const { cloneExperiment } = dataOf(
      await t.gql(
        `mutation($e: Int!) { cloneExperiment(experimentId: $e, name: "stats-b", changes: {hyperscribeVersion: "v2"}) { id } }`,
        {
          e: a.experimentId,
        },
      ),
    );
    bId = cloneExperiment.id;
    fake.addScriptedAnswer({
      match: { model: "grade-anthropic" },
      content: { scores: RUBRIC.map((_, id) => ({ id, rationale: "all met", satisfaction: 100 })) },
    });
    const runB = await startRun(t, bId);
    expect(await waitForRunEnd(t, runB.id)).toBe("finished");
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("summarises each combination over its case means, counting the failed grades beside the figures", async () => {
    const { experimentSummary } = dataOf(await t.gql(SUMMARY, { e: a.experimentId }));
    expect(experimentSummary).toMatchObject({ experimentId: a.experimentId, experimentName: "stats-a", version: "test-sha" });
    expect(experimentSummary.arms).toHaveLength(2);
    for (const [i, arm] of experimentSummary.arms.entries()) {
      expect(arm.combinationId).toBe(a.combinationIds[i]);
      expect(arm.notes).toEqual({ planned: 8, succeeded: 8, failed: 0, pending: 0 });
      expect(arm.grades.planned).toBe(32); // 8 notes × 2 rubrics × 2 replications
      const mine = gradesA.filter((g) => g.combinationId === arm.combinationId);
      expect(arm.grades.succeeded).toBe(mine.length);
      expect(arm.grades.failed).toBe(32 - mine.length);
      const means = [...caseMeansOf(mine).values()];
      expect(arm.cases).toBe(4);
      expect(arm.score.n).toBe(4);
      expect(arm.score.mean).toBeCloseTo(means.reduce((x, y) => x + y, 0) / means.length, 9);
      expect(arm.score.lo).toBeLessThan(arm.score.mean);
      // normalised: the rubric's positive weights are 20 + 30 = 50
      expect(arm.normalised.mean).toBeCloseTo((arm.score.mean * 100) / 50, 9);
      expect(arm.varianceSplit.components.map((c: { level: string }) => c.level)).toEqual(["case", "note", "rubric", "grade"]);
      expect(arm.varianceSplit.implication.length).toBeGreaterThan(10);
      expect(arm.agreement.betweenAuthors.units).toBe(8);
      expect(arm.worstCriteria).toHaveLength(5); // of 4 cases × 2 rubrics × 3 criteria
      const worst = arm.worstCriteria[0];
      expect(RUBRIC.map((c) => c.criterion)).toContain(worst.criterion);
      expect(worst.meanSatisfaction).toBeLessThanOrEqual(arm.worstCriteria[1].meanSatisfaction);
    }
    expect(experimentSummary.arms[0].grades.failed).toBeGreaterThan(0);
    expect(experimentSummary.arms[1].grades.failed).toBe(0);
  });

  test("reads the same per-criterion values from score and experiment_result_score, on the existing tool's scale", async () => {
    const [{ differing }] = await t.app.db.query(
      `SELECT count(*)::int AS differing FROM experiment_result_score j JOIN score s ON s.id = j.score_id
       WHERE j.scoring_result IS DISTINCT FROM s.scoring_result`,
    );
    expect(differing).toBe(0);
    for (const g of gradesA) {
      for (const c of g.criteria) {
        const rubric = RUBRIC[c.id];
        expect(c).toMatchObject({ criterion: rubric.criterion, weight: rubric.weight, sense: rubric.sense });
        const expected =
          rubric.sense === "negative" ? (-rubric.weight * (100 - c.satisfaction)) / 100 : (rubric.weight * c.satisfaction) / 100;
        expect(c.score).toBeCloseTo(expected, 2);
      }
    }
  });

  test("compares two versions case by case, with the seed and Holm in the answer", async () => {
    const arms = [
      { experimentId: a.experimentId, combinationId: a.combinationIds[0] },
      { experimentId: bId, combinationId: (await combinationsOf(bId))[0] },
    ];
    const { compareArms } = dataOf(await t.gql(COMPARE, { arms, baseline: 0, seed: 99 }));
    expect(compareArms).toMatchObject({ seed: 99, resamples: 10000, baseline: 0 });
    const [c] = compareArms.comparisons;
    expect(c).toMatchObject({ arm: 1, baseline: 0, matched: 4, droppedA: [], droppedB: [] });
    // every version-2 grade is 20 + 30 − 0 = 50 (all met, the penalty's fault absent)
    const baseline = caseMeansOf(gradesA.filter((g) => g.combinationId === a.combinationIds[0]));
    for (const d of c.differences) {
      expect(d.a).toBe(50);
      expect(d.b).toBeCloseTo(baseline.get(d.caseId)!, 9);
      expect(d.difference).toBeCloseTo(50 - baseline.get(d.caseId)!, 9);
      expect(d.caseName).toMatch(/^stats-a-case-/);
    }
    expect(c.difference.n).toBe(4);
    expect(c.df).toBe(3);
    expect(c.holmP).toBe(c.p); // one comparison: Holm changes nothing
    expect(c.bootstrap).toMatchObject({ resamples: 10000, seed: 99 });
    expect(c.bootstrap.lo).toBeLessThanOrEqual(c.bootstrap.hi);
    expect(c.casesNeeded === null || c.casesNeeded >= 2).toBe(true);
    // the clone grades A's cases against the same rubrics: 4 cases × 2 rubrics × 3 criteria, the 10 that moved most
    expect(c.criteriaThatMoved).toHaveLength(10);
    const moves = c.criteriaThatMoved.map((m: { difference: number }) => Math.abs(m.difference));
    expect(moves).toEqual([...moves].sort((x, y) => y - x));
    for (const m of c.criteriaThatMoved) {
      expect(m.meanSatisfactionA).toBe(100);
      expect(m.difference).toBeCloseTo(100 - m.meanSatisfactionB, 9);
    }
    const again = dataOf(await t.gql(COMPARE, { arms, baseline: 0, seed: 99 })).compareArms.comparisons[0];
    expect(again.bootstrap).toEqual(c.bootstrap);
  });

  test("Holm-adjusts several comparisons against one baseline", async () => {
    const arms = [
      { experimentId: a.experimentId, combinationId: a.combinationIds[0] },
      { experimentId: a.experimentId, combinationId: a.combinationIds[1] },
      { experimentId: bId, combinationId: (await combinationsOf(bId))[0] },
    ];
    const { compareArms } = dataOf(await t.gql(COMPARE, { arms, baseline: 0 }));
    const ps = compareArms.comparisons.map((c: { p: number }) => c.p);
    const holm = compareArms.comparisons.map((c: { holmP: number }) => c.holmP);
    const [small, large] = ps[0] <= ps[1] ? [0, 1] : [1, 0];
    expect(holm[small]).toBeCloseTo(Math.min(1, 2 * ps[small]), 12);
    expect(holm[large]).toBeCloseTo(Math.max(holm[small], Math.min(1, ps[large])), 12);
  });

  test("refuses what it cannot compare with a code and a message that says what to do", async () => {
    const one = await t.gql(COMPARE, { arms: [{ experimentId: a.experimentId, combinationId: a.combinationIds[0] }] });
    expect(errorCodeOf(one)).toBe("BAD_USER_INPUT");
    expect(one.errors![0].message).toMatch(/2 to 10 arms/);
    const ambiguous = await t.gql(COMPARE, { arms: [{ experimentId: a.experimentId }, { experimentId: bId }] });
    expect(errorCodeOf(ambiguous)).toBe("BAD_USER_INPUT");
    expect(ambiguous.errors![0].message).toMatch(/say which with combinationId/);
    const foreign = await t.gql(COMPARE, {
      arms: [
        { experimentId: a.experimentId, combinationId: a.combinationIds[0] },
        { experimentId: bId, combinationId: a.combinationIds[1] },
      ],
    });
    expect(errorCodeOf(foreign)).toBe("BAD_USER_INPUT");
    const badBaseline = await t.gql(COMPARE, {
      arms: [
        { experimentId: a.experimentId, combinationId: a.combinationIds[0] },
        { experimentId: a.experimentId, combinationId: a.combinationIds[1] },
      ],
      baseline: 5,
    });
    expect(errorCodeOf(badBaseline)).toBe("BAD_USER_INPUT");
    expect(errorCodeOf(await t.gql(SUMMARY, { e: 999_999 }))).toBe("NOT_FOUND");
    const missing = await t.gql(COMPARE, { arms: [{ experimentId: 999_999 }, { experimentId: a.experimentId }] });
    expect(errorCodeOf(missing)).toBe("NOT_FOUND");
    expect(JSON.stringify(missing)).not.toMatch(/at .*\.ts:/); // no stack trace
  });

  async function combinationsOf(experimentId: number): Promise<number[]> {
    const { experiment } = dataOf(await t.gql(`query($e: Int!) { experiment(id: $e) { models { id } } }`, { e: experimentId }));
    return experiment.models.map((m: { id: number }) => m.id);
  }
});
