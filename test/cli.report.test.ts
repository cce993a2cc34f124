/** `note-eval experiment report` and `note-eval compare` in-process against a running server. */
import { runCliInProcess } from "./support/cli";
import { parseArm } from "../src/cli/report";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { RUBRIC } from "./support/fixtures";
import { seedExperiment, startRun, TWO_COMBINATIONS, waitForRunEnd, type SeededExperiment } from "./support/experiment";

describe("note-eval experiment report and compare", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let seeded: SeededExperiment;

  function cli(argv: string[]) {
    return runCliInProcess(argv, { NOTE_EVAL_URL: t.app.server.url, NOTE_EVAL_TOKEN: t.adminToken });
  }

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 5, logBodies: false });
    t = await startTestApp({ LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "5" });
    seeded = await seedExperiment(t, fake, { name: "report", cases: 3, gradeReplications: 2, combinations: TWO_COMBINATIONS });
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("report prints the means with CIs, the variance split, agreement and the worst criteria as terminal tables", async () => {
    const { code, stdout, stderr } = await cli(["experiment", "report", String(seeded.experimentId)]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`Experiment ${seeded.experimentId} "report" (generator builtin, version test-sha)`);
    expect(stdout).toMatch(
      /openai\/gen-openai → anthropic\/grade-anthropic  +3\/3  +3\/0\/0  +12\/0\/0  +-?\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\]/,
    );
    expect(stdout).not.toContain("@100"); // one overlap: not named
    expect(stdout).toContain("Variance split (share) and agreement");
    expect(stdout).toContain("Worst criteria: openai/gen-openai → anthropic/grade-anthropic");
    expect(RUBRIC.some((c) => stdout.includes(c.criterion))).toBe(true);
  });

  test("report's json, csv and md agree with experimentSummary", async () => {
    const { experimentSummary } = dataOf(
      await t.gql(`query($e: Int!) { experimentSummary(experimentId: $e) { arms { score { mean lo } } } }`, {
        e: seeded.experimentId,
      }),
    );
    const json = JSON.parse((await cli(["experiment", "report", String(seeded.experimentId), "--format", "json"])).stdout);
    expect(json.arms.map((a: { score: { mean: number } }) => a.score.mean)).toEqual(
      experimentSummary.arms.map((a: { score: { mean: number } }) => a.score.mean),
    );
    const csv = (await cli(["experiment", "report", String(seeded.experimentId), "--format", "csv"])).stdout.trim().split("\n");
    expect(csv).toHaveLength(3);
    const header = csv[0].split(",");
    const first = csv[1].split(",");
    expect(Number(first[header.indexOf("mean")])).toBeCloseTo(experimentSummary.arms[0].score.mean, 9);
    expect(Number(first[header.indexOf("ci_lo")])).toBeCloseTo(experimentSummary.arms[0].score.lo, 9);
    const md = (await cli(["experiment", "report", String(seeded.experimentId), "--format", "md"])).stdout;
    expect(md).toMatch(/^# Experiment/);
    expect(md).toContain("| COMBINATION | CASES |");
  });

  test("compare pairs two combinations by case, by experiment name or id", async () => {
    const [c1, c2] = seeded.combinationIds;
    const { code, stdout } = await cli([
      "compare",
      `report:${c2}`,
      `${seeded.experimentId}:${c1}`,
      "--baseline",
      "1",
      "--seed",
      "3",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("Paired differences against arm 1 (bootstrap: 10000 resamples, seed 3)");
    expect(stdout).toMatch(/report:\d+\s+3\s+0\+0\s+/);
    expect(stdout).toContain("Per case: ");
    expect(stdout).toContain("Criteria that moved: ");
    const json = JSON.parse((await cli(["compare", `report:${c2}`, `report:${c1}`, "--format", "json"])).stdout);
    expect(json.comparisons[0]).toMatchObject({ arm: 1, baseline: 0, matched: 3 });
    const csv = (await cli(["compare", `report:${c2}`, `report:${c1}`, "--format", "csv"])).stdout.trim().split("\n");
    expect(csv[0]).toMatch(/^arm,baseline,matched,/);
    expect(csv).toHaveLength(2);
  });

  test("says what is wrong with a bad arm, format or missing experiment (exit code 2)", async () => {
    expect(() => parseArm("x:y")).toThrow(/<experiment>\[:<combination>\]\[@<overlap>\]/);
    expect(parseArm("base:4@50")).toEqual({ experiment: "base", combinationId: 4, overlap: 50 });
    const one = await cli(["compare", "report"]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("compare needs at least two arms");
    const ambiguous = await cli(["compare", "report", "report"]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("say which with combinationId");
    const unknown = await cli(["compare", "nope:1", "report:1"]);
    expect(unknown.stderr).toContain('no experiment is named "nope"');
    const format = await cli(["experiment", "report", String(seeded.experimentId), "--format", "xml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--format must be one of table, json, csv, md");
    const missing = await cli(["experiment", "report", "99999"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("experiment 99999 does not exist");
  });
});
