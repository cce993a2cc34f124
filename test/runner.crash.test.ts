/**
 * The server as a child process, killed mid-run: SIGKILL (no chance to clean up) and SIGTERM (a
 * graceful stop). Started again on the same database, it resumes the run by itself, and at the end
 * every planned note and grade exists exactly once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { findFreePort } from "../src/db/embedded-postgres";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { startChildServer, type ChildServer } from "./support/child-server";
import { createTestDatabase } from "./support/database";
import { seedExperiment } from "./support/experiment";
import { dataOf, type TestApp } from "./support/app";

jest.setTimeout(240_000);

// 6 cases (2 with two cycles) × 3 replications = 18 notes and 24 generation calls; 36 grades.
const NOTES = 18;
const GRADES = 36;
const PLANNED_CALLS = 24 + GRADES;
const WORKERS = 2;

describe("a server killed mid-run", () => {
  let fake: FakeLlmServer;
  let db: Client;
  let databaseUrl: string;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false });
  });
  beforeEach(async () => {
    databaseUrl = await createTestDatabase();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterEach(async () => {
    await db.end();
    for (const child of children.splice(0)) child.process.kill("SIGKILL");
  });
  afterAll(() => fake.close());

  const count = async (sql: string, params: unknown[] = []) => Number(Object.values((await db.query(sql, params)).rows[0])[0]);

  async function server(): Promise<ChildServer> {
    // A short lease: the killed process's jobs in flight are planned again 2 s after its last heartbeat.
    const child = await startChildServer({
      DATABASE_URL: databaseUrl,
      LLM_TRANSPORT_RETRIES: "0",
      SHUTDOWN_GRACE_MS: "5000",
      JOB_LEASE_MS: "2000",
      RUN_POLL_MS: "200",
    });
    children.push(child);
    return child;
  }

  async function startRunHalfway(child: ChildServer): Promise<{ experimentId: number; runId: number }> {
    const asTestApp = { gql: child.gql } as unknown as TestApp;
    const seeded = await seedExperiment(asTestApp, fake, { name: "crash", cases: 6, noteReplications: 3 });
    fake.setLatency(60);
    const { startExperimentRun } = dataOf(
      await child.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: ${WORKERS}) { id } }`, {
        e: seeded.experimentId,
      }),
    );
    const deadline = Date.now() + 20_000;
    while ((await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`)) < 5) {
      if (Date.now() > deadline) throw new Error("the run made no progress");
      await new Promise((r) => setTimeout(r, 20));
    }
    return { experimentId: seeded.experimentId, runId: startExperimentRun.id };
  }

  async function expectExactlyOnce(runId: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await count(`SELECT count(*) FROM experiment_run WHERE id = $1 AND status = 'finished'`, [runId])) === 0) {
      if (Date.now() > deadline) throw new Error("the resumed run did not finish");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM experiment_result`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM generated_note`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM experiment_result_score WHERE status = 'succeeded'`)).toBe(GRADES);
    expect(await count(`SELECT count(*) FROM experiment_result_score`)).toBe(GRADES);
    expect(await count(`SELECT count(*) FROM score`)).toBe(GRADES);
  }

  test("SIGKILL: the restarted server resumes the run by itself and finishes it exactly once", async () => {
    const first = await server();
    const callsBefore = fake.requestCount();
    const { runId } = await startRunHalfway(first);
    first.process.kill("SIGKILL");
    await first.exited;
    expect(await count(`SELECT count(*) FROM experiment_run WHERE id = $1 AND status = 'running'`, [runId])).toBe(1);

    fake.setLatency(0);
    const second = await server();
    await expectExactlyOnce(runId);
    expect(second.output.join("")).toContain(`resumed run ${runId}`);
    // Only calls in flight at the kill (at most one per worker of each pool) may have been made twice.
    const calls = fake.requestCount() - callsBefore;
    expect(calls).toBeGreaterThanOrEqual(PLANNED_CALLS);
    expect(calls).toBeLessThanOrEqual(PLANNED_CALLS + 2 * WORKERS);
  });

  test("SIGTERM: calls in flight finish, the run is left interrupted with nothing running, and a restart completes it", async () => {
    const first = await server();
    const callsBefore = fake.requestCount();
    const { runId } = await startRunHalfway(first);
    first.process.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(await count(`SELECT count(*) FROM experiment_run WHERE id = $1 AND status = 'interrupted'`, [runId])).toBe(1);
    expect(await count(`SELECT count(*) FROM experiment_result WHERE status = 'running'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM experiment_result_score WHERE status = 'running'`)).toBe(0);

    fake.setLatency(0);
    await server();
    await expectExactlyOnce(runId);
    // Calls in flight were let finish (grace period), so nothing at all was called twice.
    expect(fake.requestCount() - callsBefore).toBe(PLANNED_CALLS);
  });

  test("Ctrl-C in a terminal (SIGINT to the whole process group) drains the run while the embedded Postgres still answers", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-sigint-"));
    const env = {
      DATABASE_URL: "",
      EMBEDDED_PG_DIR: path.join(dataDir, "pg"),
      EMBEDDED_PG_PORT: String(await findFreePort()),
      LLM_TRANSPORT_RETRIES: "0",
    };
    try {
      const first = await startChildServer(env, 90_000, true);
      children.push(first);
      const seeded = await seedExperiment({ gql: first.gql } as unknown as TestApp, fake, {
        name: "ctrl-c",
        cases: 6,
        noteReplications: 3,
      });
      fake.setLatency(60);
      const { startExperimentRun } = dataOf(
        await first.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: ${WORKERS}) { id } }`, {
          e: seeded.experimentId,
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
      process.kill(-first.process.pid!, "SIGINT"); // what a terminal sends on Ctrl-C: the server and its children
      expect(await first.exited).toBe(0);
      const log = first.output.join("");
      expect(log).toContain(`run ${startExperimentRun.id} of experiment ${seeded.experimentId}: interrupted`);
      expect(log).not.toContain("ERROR");

      fake.setLatency(0);
      const second = await startChildServer(env, 30_000, false, first.token);
      children.push(second);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { experimentProgress } = dataOf(
          await second.gql(
            `query($e: Int!) { experimentProgress(experimentId: $e) { done notes { succeeded } grades { succeeded } } }`,
            {
              e: seeded.experimentId,
            },
          ),
        );
        if (experimentProgress.done) {
          expect(experimentProgress).toEqual({ done: true, notes: { succeeded: NOTES }, grades: { succeeded: GRADES } });
          break;
        }
        if (Date.now() > deadline) throw new Error("the resumed run did not finish");
        await new Promise((r) => setTimeout(r, 50));
      }
      second.process.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
