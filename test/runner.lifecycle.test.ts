import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { TRANSCRIPT } from "./support/fixtures";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { countRows, seedExperiment, startRun, waitForRunEnd } from "./support/experiment";

const ENV = { LLM_TRANSPORT_RETRIES: "0", PROGRESS_THROTTLE_MS: "50" };

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("run lifecycle", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 5, logBodies: false });
    t = await startTestApp(ENV);
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });
  afterEach(() => fake.setLatency(0));

  test("cancel stops the run and keeps what finished; starting again finishes it with no duplicate", async () => {
    const seeded = await seedExperiment(t, fake, { name: "cancel", cases: 4, noteReplications: 3 }); // 12 notes, 24 grades
    fake.setLatency(40);
    const requestsBefore = fake.requestCount();
    const run = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 2");
    const id = seeded.experimentId;
    await waitUntil(
      async () =>
        (await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`, [id])) >=
        3,
    );
    const { cancelExperimentRun } = dataOf(
      await t.gql(`mutation($r: Int!) { cancelExperimentRun(runId: $r) { id status finishedAt } }`, { r: run.id }),
    );
    const cancelAnswered = new Date();
    expect(cancelExperimentRun).toMatchObject({ id: run.id, status: "cancelled" });
    // Calls in flight were aborted, nothing is left running, and nothing more is called.
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'running'`, [id]),
    ).toBe(0);
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'running'`, [id]),
    ).toBe(0);
    const succeededAtCancel = await countRows(
      t,
      `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`,
      [id],
    );
    expect(succeededAtCancel).toBeLessThan(12);
    expect(errorCodeOf(await t.gql(`mutation($r: Int!) { cancelExperimentRun(runId: $r) { id } }`, { r: run.id }))).toBe(
      "CONFLICT",
    );

    fake.setLatency(0);
    const again = await startRun(t, id, "workers: 4, maxAttempts: 2");
    expect(again.id).not.toBe(run.id);
    expect(await waitForRunEnd(t, again.id)).toBe("finished");
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`, [id]),
    ).toBe(12);
    expect(
      await countRows(
        t,
        `SELECT count(*) FROM generated_note g JOIN experiment_result r ON r.generated_note_id = g.id WHERE r.experiment_id = $1`,
        [id],
      ),
    ).toBe(12);
    expect(await countRows(t, `SELECT count(*) FROM generated_note WHERE case_id = ANY($1)`, [seeded.caseIds])).toBe(12);
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded'`, [id]),
    ).toBe(24);
    expect(
      await countRows(
        t,
        `SELECT count(*) FROM score WHERE generated_note_id IN (SELECT generated_note_id FROM experiment_result WHERE experiment_id = $1)`,
        [id],
      ),
    ).toBe(24);
    // Nothing of the cancelled run went on: no job of it finished after the cancel answered, and every
    // vendor call of both runs is one a job needed or one of an attempt the cancel cut short (recorded
    // on its row), of which there are at most what was in flight: 2 workers for notes, 2 for grades.
    expect(
      await countRows(
        t,
        `SELECT (SELECT count(*) FROM experiment_result WHERE run_id = $1 AND finished_at > $2)
              + (SELECT count(*) FROM experiment_result_score WHERE run_id = $1 AND finished_at > $2)`,
        [run.id, cancelAnswered],
      ),
    ).toBe(0);
    const cutShort = `jsonb_array_elements(j.errors) e WHERE e->>'kind' = 'interrupted' AND j.experiment_id = $1`;
    const attemptsCutShort = await countRows(
      t,
      `SELECT (SELECT count(*) FROM experiment_result j, ${cutShort}) + (SELECT count(*) FROM experiment_result_score j, ${cutShort})`,
      [id],
    );
    expect(attemptsCutShort).toBeLessThanOrEqual(4);
    const callsNeeded = await countRows(
      t,
      `SELECT (SELECT sum(n.cycle_count) FROM experiment_result r JOIN generated_note n ON n.id = r.generated_note_id
                WHERE r.experiment_id = $1)
            + (SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1)`,
      [id],
    );
    const callsCutShort = await countRows(
      t,
      `SELECT (SELECT coalesce(sum(n.cycle_count), 0) FROM experiment_result j JOIN generated_note n ON n.id = j.generated_note_id,
                ${cutShort})
            + (SELECT count(*) FROM experiment_result_score j, ${cutShort})`,
      [id],
    );
    const calls = fake.requestCount() - requestsBefore;
    expect(calls).toBeGreaterThanOrEqual(callsNeeded);
    expect(calls).toBeLessThanOrEqual(callsNeeded + callsCutShort);
    const { experiment } = dataOf(await t.gql(`query($e: Int!) { experiment(id: $e) { runs { id status } } }`, { e: id }));
    expect(experiment.runs).toEqual([
      { id: again.id, status: "finished" },
      { id: run.id, status: "cancelled" },
    ]);
  });

  test("a run paused by another process (a budget or a quota) lets this process's calls in flight finish: they are paid for", async () => {
    const seeded = await seedExperiment(t, fake, { name: "paused-elsewhere", cases: 2 }); // 2 notes
    const id = seeded.experimentId;
    fake.setLatency(3000); // longer than the runner's 1 s heartbeat, which notices the pause
    const run = await startRun(t, id, "workers: 2, maxAttempts: 2");
    const running = () =>
      countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'running'`, [id]);
    const atVendor = () => fake.stats().inFlight.openai + fake.stats().inFlight.anthropic;
    await waitUntil(async () => (await running()) === 2 && atVendor() === 2);
    // What another process's budget stop writes; this process learns it at its next heartbeat.
    await t.app.db.query(`UPDATE experiment_run SET status = 'paused', error = 'paused elsewhere' WHERE id = $1`, [run.id]);
    await waitUntil(async () => (await running()) === 0);
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`, [id]),
    ).toBe(2);
    const cutShort = await countRows(
      t,
      `SELECT count(*) FROM experiment_result r, jsonb_array_elements(r.errors) e
        WHERE r.experiment_id = $1 AND e->>'kind' = 'interrupted'`,
      [id],
    );
    expect(cutShort).toBe(0);
    // Nothing new starts on a paused run: the notes' grades wait for the next start.
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status <> 'planned'`, [id]),
    ).toBe(0);
    expect(await waitForRunEnd(t, run.id)).toBe("paused");
  });

  test("two concurrent starts give one run and one CONFLICT", async () => {
    const seeded = await seedExperiment(t, fake, { name: "concurrent", cases: 2 });
    fake.setLatency(30);
    const start = `mutation($e: Int!) { startExperimentRun(experimentId: $e) { id status } }`;
    const responses = await Promise.all([t.gql(start, { e: seeded.experimentId }), t.gql(start, { e: seeded.experimentId })]);
    const started = responses.filter((r) => !r.errors);
    const refused = responses.filter((r) => r.errors);
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].errors![0].extensions?.code).toBe("CONFLICT");
    expect(refused[0].errors![0].message).toContain("already has an active run");
    // A third start while it runs is refused too.
    expect(errorCodeOf(await t.gql(start, { e: seeded.experimentId }))).toBe("CONFLICT");
    expect(await waitForRunEnd(t, started[0].data!.startExperimentRun.id)).toBe("finished");
    expect(await countRows(t, `SELECT count(*) FROM experiment_run WHERE experiment_id = $1`, [seeded.experimentId])).toBe(1);
  });

  test("a case without an accepted human rubric is skipped with the reason", async () => {
    const seeded = await seedExperiment(t, fake, { name: "skipped", cases: 2 });
    const lone = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "skipped-unreviewed", transcript: $t}) { id } }`, {
        t: TRANSCRIPT,
      }),
    ).importCase.id;
    dataOf(
      await t.gql(
        `mutation($e: Int!, $c: Int!) { addExperimentCase(experimentId: $e, caseId: $c, allowIneligible: true) { id } }`,
        { e: seeded.experimentId, c: lone },
      ),
    );
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const { experimentRun } = dataOf(await t.gql(`query($r: Int!) { experimentRun(id: $r) { skippedCases } }`, { r: run.id }));
    expect(experimentRun.skippedCases).toEqual([
      { caseId: lone, caseName: "skipped-unreviewed", reason: "no accepted rubric from a human author" },
    ]);
    expect(await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1`, [seeded.experimentId])).toBe(2);
  });

  test("a progress subscriber who joins mid-run gets the current progress first and the final state last", async () => {
    const seeded = await seedExperiment(t, fake, { name: "progress-sub", cases: 3, noteReplications: 2 }); // 6 notes, 12 grades
    fake.setLatency(25);
    const run = await startRun(t, seeded.experimentId, "workers: 2");
    await waitUntil(
      async () =>
        (await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'`, [
          seeded.experimentId,
        ])) >= 1,
    );
    const received: { done: boolean; notes: { succeeded: number }; grades: { succeeded: number; expected: number } }[] = [];
    const client = t.wsClient();
    await new Promise<void>((resolve, reject) => {
      const dispose = client.subscribe(
        {
          query: `subscription($e: Int!) { experimentProgress(experimentId: $e) { done runStatus notes { succeeded } grades { succeeded expected } } }`,
          variables: { e: seeded.experimentId },
        },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(JSON.stringify(errors)));
            const progress = (data as { experimentProgress: (typeof received)[number] }).experimentProgress;
            received.push(progress);
            if (progress.done) {
              dispose();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    // The client unsubscribed: its listener is gone, so nothing is computed for it any more.
    await waitUntil(async () => t.app.bus.listenerCount(`experiment-progress:${seeded.experimentId}`) === 0, 2000);
    expect(received[0].done).toBe(false);
    expect(received[0].notes.succeeded).toBeGreaterThanOrEqual(1);
    expect(received.at(-1)).toMatchObject({ done: true, notes: { succeeded: 6 }, grades: { succeeded: 12, expected: 12 } });
    // Throttled: far fewer messages than the 6 × 3 + 12 × 3 state changes.
    expect(received.length).toBeLessThan(40);
  });

  test("results page by cursor, filter on failed, expose their scores, and recent activity lists the latest first", async () => {
    const seeded = await seedExperiment(t, fake, { name: "results", cases: 3, noteReplications: 2 }); // 6 notes
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const page = async (after?: string) =>
      dataOf(
        await t.gql(
          `query($e: Int!, $a: String) { experimentResults(experimentId: $e, first: 4, after: $a) {
             totalCount pageInfo { hasNextPage endCursor }
             edges { cursor node { id caseName failed noteJson scores { overallScore criteria { id rationale satisfaction score } } } } } }`,
          { e: seeded.experimentId, a: after },
        ),
      ).experimentResults;
    const first = await page();
    expect(first.totalCount).toBe(6);
    expect(first.edges).toHaveLength(4);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(first.pageInfo.endCursor);
    expect(second.edges).toHaveLength(2);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.edges, ...second.edges].map((e: { node: { id: number } }) => e.node.id);
    expect(new Set(ids).size).toBe(6);
    const node = first.edges[0].node;
    expect(node.failed).toBe(false);
    expect(node.noteJson.items.length).toBeGreaterThan(0);
    expect(node.scores).toHaveLength(2);
    for (const grade of node.scores) {
      expect(grade.criteria).toHaveLength(3);
      const sum = grade.criteria.reduce((s: number, c: { score: number }) => s + c.score, 0);
      expect(grade.overallScore).toBeCloseTo(sum, 2);
    }
    const failedOnly = dataOf(
      await t.gql(`query($e: Int!) { experimentResults(experimentId: $e, failed: true) { totalCount } }`, {
        e: seeded.experimentId,
      }),
    );
    expect(failedOnly.experimentResults.totalCount).toBe(0);
    expect(
      errorCodeOf(
        await t.gql(`query($e: Int!) { experimentResults(experimentId: $e, after: "nope") { totalCount } }`, {
          e: seeded.experimentId,
        }),
      ),
    ).toBe("BAD_USER_INPUT");
    expect(errorCodeOf(await t.gql(`{ experimentResults(experimentId: 424242) { totalCount } }`))).toBe("NOT_FOUND");

    const { recentActivity } = dataOf(
      await t.gql(`query($e: Int!) { recentActivity(experimentId: $e, limit: 3) { id updated } }`, { e: seeded.experimentId }),
    );
    expect(recentActivity).toHaveLength(3);
    const times = recentActivity.map((r: { updated: string }) => Date.parse(r.updated));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });
});
