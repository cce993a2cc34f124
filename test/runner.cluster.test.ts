/**
 * Three server processes on one Postgres of the test's own: `all`, `worker` and `api`. The api
 * process starts the run; the other two drive it together. Mid-run the `all` process is SIGKILLed,
 * then Postgres is stopped for longer than the outage grace and started again: the worker's run is
 * left interrupted, recorded once Postgres is back, and resumed by itself. Afterwards every planned
 * note and grade exists exactly once, the fake vendor saw at most the planned calls plus those in
 * flight at the two faults, and no run is left running.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { findFreePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/db/embedded-postgres";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, type TestApp } from "./support/app";
import { startChildServer, type ChildServer } from "./support/child-server";
import { seedExperiment } from "./support/experiment";

jest.setTimeout(180_000);

// 6 cases (2 with two cycles) × 3 replications = 18 notes and 24 generation calls; 36 grades.
const NOTES = 18;
const GRADES = 36;
const PLANNED_CALLS = 24 + GRADES;
const WORKERS = 2;
/** Calls one process can have in flight: a note pool and a grade pool of WORKERS each. */
const IN_FLIGHT_PER_PROCESS = 2 * WORKERS;

const FLAGS = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=100"];

describe("three processes on one run", () => {
  let tmp: string;
  let pg: EmbeddedPostgresHandle;
  let port: number;
  const startPostgres = () => startEmbeddedPostgres({ dir: path.join(tmp, "pg"), port, postgresFlags: FLAGS });
  let fake: FakeLlmServer;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-cluster-"));
    fs.chmodSync(tmp, 0o755); // as root, Postgres runs as the postgres user, which must reach the folder
    port = await findFreePort();
    pg = await startPostgres();
    fake = await makeFakeLlmServer({ seed: 13, logBodies: false });
  });
  afterAll(async () => {
    for (const child of children) child.process.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exited));
    await fake?.close();
    await pg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const count = async (sql: string, params: unknown[] = []) => Number(Object.values((await query(sql, params))[0])[0]);

  async function server(role: "all" | "worker" | "api"): Promise<ChildServer> {
    const child = await startChildServer(
      {
        DATABASE_URL: pg.url,
        ROLE: role,
        LLM_TRANSPORT_RETRIES: "0",
        JOB_LEASE_MS: "2000",
        RUN_POLL_MS: "200",
        SHUTDOWN_GRACE_MS: "2000",
        RUN_OUTAGE_GRACE_MS: "1000",
        DB_RECONNECT_MAX_MS: "300",
      },
      90_000,
    );
    children.push(child);
    return child;
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test("a SIGKILLed process and a restarted Postgres leave every note and grade made exactly once", async () => {
    const all = await server("all"); // first: it runs the migrations
    const worker = await server("worker");
    const api = await server("api");
    const seeded = await seedExperiment({ gql: api.gql } as unknown as TestApp, fake, {
      name: "cluster",
      cases: 6,
      noteReplications: 3,
    });
    fake.setLatency(80);
    const callsBefore = fake.requestCount();
    const { startExperimentRun } = dataOf(
      await api.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: ${WORKERS}) { id } }`, {
        e: seeded.experimentId,
      }),
    );
    const runId: number = startExperimentRun.id;

    // Both processes that run jobs work on it (the api process runs none).
    await waitFor("the worker joins", async () => worker.output.join("").includes(`joined run ${runId}`));
    await waitFor(
      "some notes succeed",
      async () => (await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`)) >= 4,
    );
    all.process.kill("SIGKILL");
    await all.exited;

    // Postgres goes away for longer than the outage grace, with the worker's calls in flight.
    const succeeded = await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`);
    await waitFor(
      "the worker goes on alone",
      async () => (await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`)) > succeeded,
    );
    await pg.stop();
    await waitFor("the worker notices", async () => worker.output.join("").includes("database unavailable"), 20_000);
    await waitFor("the outage outlasts the grace", async () => worker.output.join("").includes("for more than 1000 ms"), 20_000);
    pg = await startPostgres();
    fake.setLatency(20);
    await waitFor("the run is resumed", async () => worker.output.join("").includes(`resumed run ${runId}`));
    await waitFor(
      "the run finishes",
      async () => (await count(`SELECT count(*) FROM experiment_run WHERE status = 'running'`)) === 0,
    );
    expect(await query(`SELECT id, status, error FROM experiment_run`)).toEqual([{ id: runId, status: "finished", error: null }]);
    expect(await count(`SELECT count(*) FROM experiment_result WHERE status = 'succeeded'`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM experiment_result`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM generated_note`)).toBe(NOTES);
    expect(await count(`SELECT count(*) FROM experiment_result_score WHERE status = 'succeeded'`)).toBe(GRADES);
    expect(await count(`SELECT count(*) FROM experiment_result_score`)).toBe(GRADES);
    expect(await count(`SELECT count(*) FROM score`)).toBe(GRADES);
    const calls = fake.requestCount() - callsBefore;
    expect(calls).toBeGreaterThanOrEqual(PLANNED_CALLS);
    expect(calls).toBeLessThanOrEqual(PLANNED_CALLS + 2 * IN_FLIGHT_PER_PROCESS);
    expect(api.output.join("")).not.toMatch(/joined run|resumed run/);
  });
});
