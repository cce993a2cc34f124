/**
 * What retrying cannot fix stops the run early: a key the vendor keeps refusing ends the run
 * `failed` ("the key for openai was refused"), an exhausted quota pauses it with the vendor's
 * message; either way the jobs go back to planned with no attempt spent, and a later start goes on.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { countRows, KEY, seedExperiment, startRun, waitForRunEnd } from "./support/experiment";

describe("stopping on what retrying cannot fix", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 6, logBodies: false });
    t = await startTestApp({ LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "2", LLM_KEY_REFUSALS_TO_STOP: "3" });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  async function run(runId: number) {
    return dataOf(await t.gql(`query($id: Int!) { experimentRun(id: $id) { status error } }`, { id: runId })).experimentRun;
  }

  const jobsOf = (experimentId: number) =>
    t.app.db.query(`SELECT status, failed_attempts FROM experiment_result WHERE experiment_id = $1`, [experimentId]) as Promise<
      { status: string; failed_attempts: number }[]
    >;

  test("a key refused three times in a row fails the run at once, spends no attempt, and a fixed key finishes it", async () => {
    const seeded = await seedExperiment(t, fake, { name: "refused-key", cases: 3, noteReplications: 4 }); // 12 notes
    fake.addFault({ match: { vendor: "openai" }, fault: "401" });
    const started = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, started.id)).toBe("failed");
    const ended = await run(started.id);
    expect(ended.error).toMatch(/^the key for openai was refused \(3 refusals in a row\)/);
    expect(ended.error).not.toContain(KEY);
    // Three refusals stop the key; at most one more request per worker was already on its way.
    expect(fake.requestCount({ status: 401 })).toBeGreaterThanOrEqual(3);
    expect(fake.requestCount({ status: 401 })).toBeLessThanOrEqual(3 + 2);
    const jobs = await jobsOf(seeded.experimentId);
    expect(jobs).toHaveLength(12);
    expect(jobs.every((j) => j.status === "planned" && j.failed_attempts === 0)).toBe(true);

    fake.clearFaults();
    const again = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, again.id)).toBe("finished");
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`, [
        seeded.experimentId,
      ]),
    ).toBe(12);
  });

  test("an exhausted quota pauses the run with the vendor's message until it is started again", async () => {
    const seeded = await seedExperiment(t, fake, { name: "quota", cases: 2, noteReplications: 2 });
    fake.setKeys({ quotaExhausted: [KEY] });
    const started = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, started.id)).toBe("paused");
    const ended = await run(started.id);
    expect(ended.error).toContain("openai refused for quota or billing: You exceeded your current quota");
    expect(fake.requestCount({ status: 429 })).toBeLessThanOrEqual(2);
    expect((await jobsOf(seeded.experimentId)).every((j) => j.status === "planned" && j.failed_attempts === 0)).toBe(true);

    fake.setKeys({});
    const again = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, again.id)).toBe("finished");
  });
});
