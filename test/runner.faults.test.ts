/**
 * Failures injected at a fixed rate (every 2nd generation request answers 500) with one note at a
 * time, so that which try fails is known: the outcome must follow maxAttempts exactly.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { countRows, KEY, seedExperiment, startRun, waitForRunEnd } from "./support/experiment";

// One request per attempt: the LLM layer's own transport retries are off here.
const ENV = { LLM_TRANSPORT_RETRIES: "0", LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "2" };

interface NoteRow {
  status: string;
  failed: boolean | null;
  attempts: number;
  errors: { attempt: number; kind: string; message: string }[];
}

describe("failures at a fixed rate", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 3, logBodies: false });
    t = await startTestApp(ENV);
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });
  beforeEach(() => fake.clearFaults());

  async function notes(experimentId: number): Promise<NoteRow[]> {
    return t.app.db.query(`SELECT status, failed, attempts, errors FROM experiment_result WHERE experiment_id = $1 ORDER BY id`, [
      experimentId,
    ]);
  }

  test("with maxAttempts 1, every other note fails, is recorded with its error, and plans no grade", async () => {
    const seeded = await seedExperiment(t, fake, { name: "one-attempt", cases: 2, noteReplications: 3 }); // 6 notes (one-cycle cases only)
    fake.addFault({ match: { model: "gen-openai" }, fault: "500", every: 2 });
    const before = fake.requestCount({ model: "gen-openai" });
    const run = await startRun(t, seeded.experimentId, "workers: 1, maxAttempts: 1");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");

    expect(fake.requestCount({ model: "gen-openai" }) - before).toBe(6);
    const rows = await notes(seeded.experimentId);
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "failed", "succeeded", "failed", "succeeded", "failed"]);
    for (const row of rows.filter((r) => r.status === "failed")) {
      expect(row).toMatchObject({ failed: true, attempts: 1 });
      expect(row.errors).toEqual([
        expect.objectContaining({ attempt: 1, kind: "transport", message: expect.stringContaining("500") }),
      ]);
    }
    // 3 succeeded notes × 2 rubrics × 1 replication; the failed notes' grades are not expected.
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded'`, [
        seeded.experimentId,
      ]),
    ).toBe(6);
    const { experimentProgress } = dataOf(
      await t.gql(
        `query($e: Int!) { experimentProgress(experimentId: $e) { done notes { expected succeeded failed } grades { expected succeeded pending } } }`,
        {
          e: seeded.experimentId,
        },
      ),
    );
    expect(experimentProgress).toEqual({
      done: true,
      notes: { expected: 6, succeeded: 3, failed: 3 },
      grades: { expected: 6, succeeded: 6, pending: 0 },
    });
  });

  test("with maxAttempts 2, each failed try is retried once, kept in errors, and every note succeeds", async () => {
    const seeded = await seedExperiment(t, fake, { name: "two-attempts", cases: 2, noteReplications: 3 });
    fake.addFault({ match: { model: "gen-openai" }, fault: "500", every: 2 });
    const before = fake.requestCount({ model: "gen-openai" });
    const run = await startRun(t, seeded.experimentId, "workers: 1, maxAttempts: 2");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");

    // Request 1 serves note 1; then each note's first try lands on a failing request and its retry succeeds.
    expect(fake.requestCount({ model: "gen-openai" }) - before).toBe(11);
    const rows = await notes(seeded.experimentId);
    expect(rows.every((r) => r.status === "succeeded" && r.failed === false)).toBe(true);
    expect(rows.map((r) => r.attempts)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(rows.map((r) => r.errors.length)).toEqual([0, 1, 1, 1, 1, 1]);
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded'`, [
        seeded.experimentId,
      ]),
    ).toBe(12);
  });

  test("a grade that fails every try ends failed after maxAttempts tries, and the run goes on", async () => {
    const seeded = await seedExperiment(t, fake, { name: "grades-fail", cases: 1, noteReplications: 2 });
    fake.addFault({ match: { model: "grade-anthropic" }, fault: "529" });
    const before = fake.requestCount({ model: "grade-anthropic" });
    const run = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    // 2 notes × 2 rubrics = 4 grades, 3 tries each.
    expect(fake.requestCount({ model: "grade-anthropic" }) - before).toBe(12);
    const grades: { status: string; attempts: number; errors: unknown[] }[] = await t.app.db.query(
      `SELECT status, attempts, errors FROM experiment_result_score WHERE experiment_id = $1`,
      [seeded.experimentId],
    );
    expect(grades).toHaveLength(4);
    expect(grades.every((g) => g.status === "failed" && g.attempts === 3 && g.errors.length === 3)).toBe(true);
    const { experimentResults } = dataOf(
      await t.gql(
        `query($e: Int!) { experimentResults(experimentId: $e, failed: false) { totalCount edges { node { scores { status failed overallScore } } } } }`,
        {
          e: seeded.experimentId,
        },
      ),
    );
    expect(experimentResults.totalCount).toBe(2);
    expect(experimentResults.edges[0].node.scores).toEqual([
      { status: "failed", failed: true, overallScore: null },
      { status: "failed", failed: true, overallScore: null },
    ]);
  });

  test("retryFailed runs the failed jobs again and keeps the earlier errors", async () => {
    const seeded = await seedExperiment(t, fake, { name: "retry-failed", cases: 1, noteReplications: 2 });
    fake.addFault({ match: { model: "gen-openai" }, fault: "500" });
    const first = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 1");
    expect(await waitForRunEnd(t, first.id)).toBe("finished");
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'failed'`, [
        seeded.experimentId,
      ]),
    ).toBe(2);

    fake.clearFaults();
    const withoutRetry = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 1");
    expect(await waitForRunEnd(t, withoutRetry.id)).toBe("finished");
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'failed'`, [
        seeded.experimentId,
      ]),
    ).toBe(2);

    const retry = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 1, retryFailed: true");
    expect(await waitForRunEnd(t, retry.id)).toBe("finished");
    const rows = await notes(seeded.experimentId);
    expect(rows.map((r) => [r.status, r.attempts, r.errors.length])).toEqual([
      ["succeeded", 2, 1],
      ["succeeded", 2, 1],
    ]);
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded'`, [
        seeded.experimentId,
      ]),
    ).toBe(4);
  });

  test("maxAttempts is a budget for the job's life: 2 failed attempts before a crash leave 1 after the restart", async () => {
    const seeded = await seedExperiment(t, fake, { name: "budget", cases: 1, noteReplications: 2 });
    fake.addFault({ match: { model: "gen-openai" }, fault: "500" });
    const first = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 2");
    expect(await waitForRunEnd(t, first.id)).toBe("finished");
    // What a crash during the third attempt leaves: the jobs running, held by a dead process whose lease ran out.
    await t.app.db.query(
      `UPDATE experiment_result SET status = 'running', failed = NULL, owner_id = 'dead-process', lease_expires_at = now() - interval '1 minute'
       WHERE experiment_id = $1`,
      [seeded.experimentId],
    );
    const before = fake.requestCount({ model: "gen-openai" });
    const resumed = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 3");
    expect(await waitForRunEnd(t, resumed.id)).toBe("finished");
    expect(fake.requestCount({ model: "gen-openai" }) - before).toBe(2); // one attempt each, not three
    const rows = await notes(seeded.experimentId);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["failed", 3],
      ["failed", 3],
    ]);
    const [{ n }] = await t.app.db.query(
      `SELECT max(failed_attempts)::int AS n FROM experiment_result WHERE experiment_id = $1`,
      [seeded.experimentId],
    );
    expect(n).toBe(3);
  });

  test("no API key reaches a stored error, a response or a log line, even with a vendor refusing the key", async () => {
    const seeded = await seedExperiment(t, fake, { name: "auth-fails", cases: 1 });
    fake.addFault({ match: { model: "gen-openai" }, fault: "401" });
    const run = await startRun(t, seeded.experimentId, "workers: 1, maxAttempts: 2");
    expect(await waitForRunEnd(t, run.id)).toBe("failed"); // the key refused in a row stops the run
    const [{ errors }] = await t.app.db.query(`SELECT error AS errors FROM experiment_run WHERE id = $1`, [run.id]);
    expect(errors).toContain("the key for openai was refused");
    const { experimentResults } = dataOf(
      await t.gql(`query($e: Int!) { experimentResults(experimentId: $e) { edges { node { errors } } } }`, {
        e: seeded.experimentId,
      }),
    );
    expect(experimentResults.edges).toHaveLength(1);
    const everything = [errors, ...t.responses, ...t.logs].join("\n");
    expect(everything).not.toContain(KEY);
  });
});
