/**
 * An experiment's settings are fixed once it has planned jobs (its results belong to them), and
 * cloneExperiment is the way to the next version. Also checks the existing tool's columns that a run fills.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment, startRun, waitForRunEnd, type SeededExperiment } from "./support/experiment";

const CREATE = `mutation($i: CreateExperimentInput!) {
  createExperiment(input: $i) { id name generator hyperscribeVersion noteReplications cycleTranscriptOverlaps } }`;
const CLONE = `mutation($e: Int!, $n: String!, $c: ExperimentChangesInput) {
  cloneExperiment(experimentId: $e, name: $n, changes: $c) {
    id name generator hyperscribeVersion cycleTimes cycleTranscriptOverlaps noteReplications gradeReplications
    cases { id } models { noteGenerator { id } noteGrader { id } noteGraderIsReasoning } runs { id } } }`;
const SETTINGS = { hyperscribeVersion: "test-sha", cycleTranscriptOverlaps: [100], noteReplications: 1, gradeReplications: 1 };

describe("fixed experiments and cloneExperiment", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let seeded: SeededExperiment;

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 3, logBodies: false });
    t = await startTestApp({ LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "5" });
    seeded = await seedExperiment(t, fake, { name: "fixed", cases: 2 });
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("the same settings again return the experiment unchanged", async () => {
    const again = dataOf(await t.gql(CREATE, { i: { name: "fixed", ...SETTINGS } })).createExperiment;
    expect(again).toMatchObject({ id: seeded.experimentId, generator: "builtin", hyperscribeVersion: "test-sha" });
  });

  test.each([
    ["its version", { hyperscribeVersion: "v2" }, 'hyperscribeVersion "test-sha" → "v2"'],
    ["its note replications", { noteReplications: 3 }, "noteReplications 1 → 3"],
    ["its overlaps", { cycleTranscriptOverlaps: [50] }, "cycleTranscriptOverlaps [100] → [50]"],
    ["its grade replications", { gradeReplications: 2 }, "gradeReplications 1 → 2"],
  ])("changing %s after a run is CONFLICT, says what to do, and changes nothing", async (_label, change, what) => {
    const response = await t.gql(CREATE, { i: { name: "fixed", ...SETTINGS, ...change } });
    expect(errorCodeOf(response)).toBe("CONFLICT");
    expect(response.errors![0].message).toContain(what);
    expect(response.errors![0].message).toContain(`cloneExperiment(experimentId: ${seeded.experimentId}`);
    const { experiment } = dataOf(
      await t.gql(`query($id: Int!) { experiment(id: $id) { hyperscribeVersion noteReplications cycleTranscriptOverlaps } }`, {
        id: seeded.experimentId,
      }),
    );
    expect(experiment).toEqual({ hyperscribeVersion: "test-sha", noteReplications: 1, cycleTranscriptOverlaps: [100] });
  });

  test("an unknown generator is BAD_USER_INPUT", async () => {
    const response = await t.gql(CREATE, { i: { name: "unknown-generator", generator: "nope", ...SETTINGS } });
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain('Unknown generator "nope"');
  });

  test("cloneExperiment copies cases, combinations and settings, applies the changes, and has no run", async () => {
    const source = dataOf(
      await t.gql(
        `query($id: Int!) { experiment(id: $id) { cases { id } models { noteGenerator { id } noteGrader { id } noteGraderIsReasoning } } }`,
        {
          id: seeded.experimentId,
        },
      ),
    ).experiment;
    const clone = dataOf(
      await t.gql(CLONE, { e: seeded.experimentId, n: "fixed v2", c: { hyperscribeVersion: "v2", noteReplications: 2 } }),
    ).cloneExperiment;
    expect(clone).toMatchObject({
      name: "fixed v2",
      generator: "builtin",
      hyperscribeVersion: "v2",
      cycleTimes: [],
      cycleTranscriptOverlaps: [100],
      noteReplications: 2,
      gradeReplications: 1,
      runs: [],
    });
    expect(clone.id).not.toBe(seeded.experimentId);
    expect(clone.cases).toEqual(source.cases);
    expect(clone.models).toEqual(source.models);
    const run = await startRun(t, clone.id);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const versions = await t.app.db.query(
      `SELECT DISTINCT hyperscribe_version AS v FROM experiment_result WHERE experiment_id = $1`,
      [clone.id],
    );
    expect(versions).toEqual([{ v: "v2" }]);
  });

  test("cloneExperiment refuses a taken name, bad changes and an unknown experiment", async () => {
    expect(errorCodeOf(await t.gql(CLONE, { e: seeded.experimentId, n: "fixed" }))).toBe("CONFLICT");
    const bad = await t.gql(CLONE, { e: seeded.experimentId, n: "fixed bad", c: { noteReplications: 0 } });
    expect(errorCodeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0].message).toContain("noteReplications must be at least 1");
    expect(errorCodeOf(await t.gql(CLONE, { e: 999_999, n: "fixed none" }))).toBe("NOT_FOUND");
    const names = dataOf(await t.gql(`{ experiments { name } }`)).experiments.map((e: { name: string }) => e.name);
    expect(names).not.toContain("fixed bad");
  });

  test("adding cases to a run experiment stays allowed", async () => {
    const response = await t.gql(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
      e: seeded.experimentId,
      c: seeded.caseIds,
    });
    expect(dataOf(response).addExperimentCases.id).toBe(seeded.experimentId);
  });

  test("a run fills the existing tool's columns: token_counts, experiment flags, scoring_result on the grade job", async () => {
    const notes = await t.app.db.query(
      `SELECT token_counts, input_tokens, output_tokens, experiment, generator_name, generator_kind FROM generated_note`,
    );
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) {
      expect(note.token_counts).toEqual({ prompt: note.input_tokens, generated: note.output_tokens });
      expect(note.input_tokens).toBeGreaterThan(0);
      expect(note).toMatchObject({ experiment: true, generator_name: "builtin", generator_kind: "builtin" });
    }
    const grades = await t.app.db.query(
      `SELECT s.scoring_result AS job, score.scoring_result AS score, score.experiment, score.comments
       FROM experiment_result_score s JOIN score ON score.id = s.score_id`,
    );
    expect(grades.length).toBeGreaterThan(0);
    for (const grade of grades) {
      expect(grade.job).toEqual(grade.score);
      expect(grade.job[0]).toEqual({
        id: 0,
        rationale: expect.any(String),
        satisfaction: expect.any(Number),
        score: expect.any(Number),
      });
      expect(grade).toMatchObject({ experiment: true, comments: "" });
    }
    const [rubric] = await t.app.db.query(`SELECT case_provenance_classification FROM rubric LIMIT 1`);
    expect(rubric.case_provenance_classification).toBe("");
  });
});
