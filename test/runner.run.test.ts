import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { countRows, KEY, seedExperiment, startRun, TWO_COMBINATIONS, waitForRunEnd } from "./support/experiment";

const FAST_LLM = {
  LLM_BACKOFF_BASE_MS: "1",
  LLM_BACKOFF_MAX_MS: "5",
  LLM_TRANSPORT_RETRIES: "0",
  LLM_REQUEST_TIMEOUT_MS: "5000",
};

describe("a run of a multi-case, two-combination, two-overlap experiment", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 7, logBodies: false });
    t = await startTestApp(FAST_LLM);
  });
  afterAll(async () => {
    await t.stop();
    if (process.env.DEBUG_LOGS) console.log(t.logs.filter((l) => !l.includes("DEBUG")).join("\n"));
    await fake.close();
  });

  test("makes every note and grade exactly once, as counted by the database, the fake vendor and the events", async () => {
    // 3 cases (one with two cycles) × 2 combinations × 2 overlaps × 2 replications = 24 notes;
    // each note × 2 reviewers' rubrics × 2 grade replications = 96 grades.
    const seeded = await seedExperiment(t, fake, {
      name: "counts",
      cases: 3,
      overlaps: [50, 100],
      noteReplications: 2,
      gradeReplications: 2,
      combinations: TWO_COMBINATIONS,
    });
    const events: { type: string; resultId: number | null; grade: { id: number } | null; progress: { done: boolean } }[] = [];
    const client = t.wsClient();
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const finished = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription($e: Int!) { experimentResultEvents(experimentId: $e) { type resultId attempt error grade { id } progress { done notes { succeeded } } } }`,
          variables: { e: seeded.experimentId },
        },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(JSON.stringify(errors)));
            const event = (data as { experimentResultEvents: (typeof events)[number] }).experimentResultEvents;
            events.push(event);
            if (event.type === "run_finished") resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
      client.on("connected", () => setTimeout(subscribed, 50));
    });
    await ready;
    const before = fake.requestCount();
    const run = await startRun(t, seeded.experimentId, "workers: 4, maxAttempts: 2");
    expect(run.status).toBe("running");
    await finished;
    expect(await waitForRunEnd(t, run.id)).toBe("finished");

    const id = seeded.experimentId;
    expect(await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1`, [id])).toBe(24);
    expect(
      await countRows(
        t,
        `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded' AND failed = false AND generated_note_id IS NOT NULL`,
        [id],
      ),
    ).toBe(24);
    expect(
      await countRows(
        t,
        `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded' AND score_id IS NOT NULL`,
        [id],
      ),
    ).toBe(96);
    expect(
      await countRows(
        t,
        `SELECT count(DISTINCT (experiment_result_id, rubric_id, grade_replication)) FROM experiment_result_score WHERE experiment_id = $1`,
        [id],
      ),
    ).toBe(96);
    expect(
      await countRows(
        t,
        `SELECT count(*) FROM score s JOIN experiment_result_score ers ON ers.score_id = s.id WHERE ers.experiment_id = $1`,
        [id],
      ),
    ).toBe(96);

    // The fake vendor saw one request per cycle of each note and one per grade: 16 notes of
    // one-cycle cases + 8 notes of the two-cycle case × 2 = 32 generation requests; 96 gradings.
    expect(fake.requestCount() - before).toBe(32 + 96);
    expect(fake.requestCount({ model: "gen-openai" }) + fake.requestCount({ model: "gen-anthropic" })).toBe(32);
    expect(fake.requestCount({ model: "grade-anthropic" })).toBe(48);
    expect(fake.requestCount({ model: "grade-openai-reasoning" })).toBe(48);

    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count("run_started")).toBe(1);
    expect(events[0].type).toBe("run_started");
    expect([count("note_queued"), count("note_started"), count("note_succeeded"), count("note_failed")]).toEqual([24, 24, 24, 0]);
    expect([count("grade_queued"), count("grade_started"), count("grade_succeeded"), count("grade_failed")]).toEqual([
      96, 96, 96, 0,
    ]);
    expect(new Set(events.filter((e) => e.type === "grade_succeeded").map((e) => e.grade!.id)).size).toBe(96);
    expect(events.at(-1)).toMatchObject({ type: "run_finished", progress: { done: true, notes: { succeeded: 24 } } });

    const { experimentProgress } = dataOf(
      await t.gql(
        `query($e: Int!) { experimentProgress(experimentId: $e) { done runStatus etaMs inputTokens costUsd notes { expected succeeded failed running pending } grades { expected succeeded failed running pending } limits { vendor baseUrl limit processes share reason } } }`,
        { e: id },
      ),
    );
    expect(experimentProgress).toMatchObject({
      done: true,
      runStatus: "finished",
      etaMs: 0,
      notes: { expected: 24, succeeded: 24, failed: 0, running: 0, pending: 0 },
      grades: { expected: 96, succeeded: 96, failed: 0, running: 0, pending: 0 },
    });
    expect(experimentProgress.inputTokens).toBeGreaterThan(0);
    // Each key's limit, named by vendor and base URL (never the key), and why it is what it is.
    expect(experimentProgress.limits).toEqual([
      expect.objectContaining({
        vendor: "anthropic",
        baseUrl: fake.anthropicBaseUrl,
        limit: 256,
        reason: "the ceiling (no 429 yet)",
      }),
      expect.objectContaining({ vendor: "openai", baseUrl: fake.openaiBaseUrl, limit: 256, reason: "the ceiling (no 429 yet)" }),
    ]);
    expect(JSON.stringify(experimentProgress)).not.toContain(KEY);
  });

  test("a second start of a finished experiment plans nothing new and calls no model", async () => {
    const seeded = await seedExperiment(t, fake, { name: "again", cases: 2 });
    const first = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, first.id)).toBe("finished");
    const calls = fake.requestCount();
    const second = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, second.id)).toBe("finished");
    expect(fake.requestCount()).toBe(calls);
    expect(await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1`, [seeded.experimentId])).toBe(2);
  });

  test("an experiment without cases, without combinations, or with a deleted model is refused, saying what to add", async () => {
    const empty = dataOf(
      await t.gql(
        `mutation { createExperiment(input: {name: "empty", hyperscribeVersion: "v", cycleTranscriptOverlaps: [100], noteReplications: 1, gradeReplications: 1}) { id } }`,
      ),
    ).createExperiment.id;
    const noCases = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e) { id } }`, { e: empty });
    expect(errorCodeOf(noCases)).toBe("BAD_USER_INPUT");
    expect(noCases.errors![0].message).toContain("has no cases");

    const seeded = await seedExperiment(t, fake, { name: "no-combinations", cases: 1, combinations: [] });
    const noCombos = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e) { id } }`, {
      e: seeded.experimentId,
    });
    expect(errorCodeOf(noCombos)).toBe("BAD_USER_INPUT");
    expect(noCombos.errors![0].message).toContain("addExperimentModel");

    const withModel = await seedExperiment(t, fake, { name: "deleted-model", cases: 1 });
    const { experiment } = dataOf(
      await t.gql(`query($e: Int!) { experiment(id: $e) { models { modelNoteGeneratorId } } }`, { e: withModel.experimentId }),
    );
    dataOf(await t.gql(`mutation($id: Int!) { deleteModel(id: $id) { id } }`, { id: experiment.models[0].modelNoteGeneratorId }));
    const deleted = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e) { id } }`, {
      e: withModel.experimentId,
    });
    expect(errorCodeOf(deleted)).toBe("NOT_FOUND");
    expect(deleted.errors![0].message).toContain("Model not found");

    expect(errorCodeOf(await t.gql(`mutation { startExperimentRun(experimentId: 424242) { id } }`))).toBe("NOT_FOUND");
    expect(
      errorCodeOf(await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 0) { id } }`, { e: empty })),
    ).toBe("BAD_USER_INPUT");
    expect(
      errorCodeOf(
        await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, maxAttempts: 0) { id } }`, { e: empty }),
      ),
    ).toBe("BAD_USER_INPUT");
  });
});
