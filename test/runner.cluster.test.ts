/**
 * Three server processes on one Postgres of the test's own: `all`, `worker` and `api`. The api
 * process starts the run; the other two drive it together. Mid-run the `all` process is SIGKILLed,
 * then Postgres is stopped for longer than the outage grace and started again: the worker's run is
 * left interrupted, recorded once Postgres is back, and resumed by itself. Afterwards every planned
 * note and grade exists exactly once, the fake vendor saw at most the planned calls plus those of
 * the jobs in flight at the two faults, and no run is left running. A graphql-ws client of the api
 * process received every job's final event, once, after the job's other events, and progress that
 * never went back and ended with the database's counts, across both faults (the final events that
 * the killed process committed but never sent, or that the api's listener missed while Postgres was
 * down, are caught up from the job rows).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "graphql-ws";
import { Client } from "pg";
import WebSocket from "ws";
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

  interface Counts {
    expected: number;
    succeeded: number;
    failed: number;
  }
  interface ProgressSeen {
    runStatus: string;
    done: boolean;
    notes: Counts;
    grades: Counts;
  }
  const PROGRESS = `runStatus done notes { expected succeeded failed } grades { expected succeeded failed }`;

  /**
   * A graphql-ws client of `server` on the experiment's events and progress, reconnecting as the
   * project's clients do; records each job's event types in arrival order.
   */
  function watch(server: ChildServer, experimentId: number, since: number | null = null) {
    const client = createClient({
      url: server.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { token: server.token },
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: () => new Promise((r) => setTimeout(r, 200)),
    });
    const byJob = new Map<string, string[]>();
    const eventProgress: ProgressSeen[] = [];
    const progress: ProgressSeen[] = [];
    const errors: unknown[] = [];
    const sink = <T>(next: (data: T) => void) => ({
      next: ({ data, errors: e }: { data?: T | null; errors?: unknown }) => (e ? errors.push(e) : next(data!)),
      error: (e: unknown) => errors.push(e),
      complete: () => undefined,
    });
    client.subscribe<{
      experimentResultEvents: { type: string; resultId: number | null; grade: { id: number } | null; progress: ProgressSeen };
    }>(
      {
        query: `subscription($e: Int!, $since: Float) { experimentResultEvents(experimentId: $e, since: $since) {
          type resultId grade { id } progress { ${PROGRESS} } } }`,
        variables: { e: experimentId, since },
      },
      sink(({ experimentResultEvents: event }) => {
        const [kind, type] = event.type.split("_");
        if (kind === "run") return;
        const job = kind === "note" ? `note:${event.resultId}` : `grade:${event.grade?.id}`;
        byJob.set(job, [...(byJob.get(job) ?? []), type]);
        eventProgress.push(event.progress);
      }),
    );
    let onFirst!: () => void;
    const subscribed = new Promise<void>((r) => (onFirst = r));
    client.subscribe<{ experimentProgress: ProgressSeen }>(
      {
        query: `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS} } }`,
        variables: { e: experimentId },
      },
      sink(({ experimentProgress: p }) => {
        progress.push(p);
        onFirst();
      }),
    );
    const finals = () => [...byJob.values()].filter((types) => types.includes("succeeded") || types.includes("failed")).length;
    return { subscribed, byJob, eventProgress, progress, errors, finals, close: () => client.dispose() };
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
    const watcher = watch(api, seeded.experimentId);
    const startedAt = Date.now();
    await watcher.subscribed;
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
    // The killed process's jobs stay running until their lease runs out: they are among these.
    const runningAtKill = await count(`SELECT (SELECT count(*) FROM experiment_result WHERE status = 'running')
      + (SELECT count(*) FROM experiment_result_score WHERE status = 'running')`);

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

    // Calls made again are those of attempts cut short (recorded on the rows, `interrupted`), each as
    // many as its job makes (a note makes one per cycle), and only jobs running at a fault were cut short.
    const calls = fake.requestCount() - callsBefore;
    const interrupted = (like: string) =>
      count(
        `SELECT (SELECT count(*) FROM experiment_result r, jsonb_array_elements(r.errors) e
                 WHERE e->>'kind' = 'interrupted' AND e->>'message' LIKE $1)
              + (SELECT count(*) FROM experiment_result_score s, jsonb_array_elements(s.errors) e
                 WHERE e->>'kind' = 'interrupted' AND e->>'message' LIKE $1)`,
        [like],
      );
    const reaped = await interrupted("%stopped answering%"); // the killed process's jobs
    const cutShort = await interrupted("cut short%"); // the worker's calls aborted when the outage outlasted its grace
    const callsCutShort = await count(`SELECT (SELECT coalesce(sum(n.cycle_count), 0) FROM experiment_result r
        JOIN generated_note n ON n.id = r.generated_note_id, jsonb_array_elements(r.errors) e WHERE e->>'kind' = 'interrupted')
      + (SELECT count(*) FROM experiment_result_score s, jsonb_array_elements(s.errors) e WHERE e->>'kind' = 'interrupted')`);
    expect(reaped).toBeLessThanOrEqual(runningAtKill);
    expect(runningAtKill).toBeLessThanOrEqual(2 * IN_FLIGHT_PER_PROCESS);
    expect(cutShort).toBeLessThanOrEqual(IN_FLIGHT_PER_PROCESS);
    expect(calls).toBeGreaterThanOrEqual(PLANNED_CALLS);
    expect(calls).toBeLessThanOrEqual(PLANNED_CALLS + callsCutShort);
    expect(api.output.join("")).not.toMatch(/joined run|resumed run/);

    // The api process's subscriber: every job's final event, last and once per job.
    const noteIds = (await query<{ id: number }>(`SELECT id FROM experiment_result`)).map((r) => `note:${r.id}`);
    const gradeIds = (await query<{ id: number }>(`SELECT id FROM experiment_result_score`)).map((r) => `grade:${r.id}`);
    await waitFor("the subscriber has every final event", async () => watcher.finals() === NOTES + GRADES, 30_000);
    expect(watcher.errors).toEqual([]);
    expect([...watcher.byJob.keys()].sort()).toEqual([...noteIds, ...gradeIds].sort());
    for (const [job, types] of watcher.byJob) {
      const finals = types.filter((t) => t === "succeeded" || t === "failed");
      expect({ job, finals }).toEqual({ job, finals: ["succeeded"] });
      expect({ job, last: types.at(-1) }).toEqual({ job, last: "succeeded" });
      // A job starts only after it was queued (a reaped job is queued again).
      expect({ job, startedFirst: types.indexOf("started") >= 0 && types.indexOf("started") < types.indexOf("queued") }).toEqual({
        job,
        startedFirst: false,
      });
    }
    // Progress, on events and on experimentProgress: never back, and the database's counts at the end.
    for (const stream of [watcher.eventProgress, watcher.progress]) {
      const finished = stream.map((p) => p.notes.succeeded + p.notes.failed + p.grades.succeeded + p.grades.failed);
      expect(finished).toEqual([...finished].sort((a, b) => a - b));
    }
    await waitFor("the final progress", async () => watcher.progress.at(-1)?.runStatus === "finished", 10_000);
    expect(watcher.progress.at(-1)).toMatchObject({
      done: true,
      notes: { expected: NOTES, succeeded: NOTES, failed: 0 },
      grades: { expected: GRADES, succeeded: GRADES, failed: 0 },
    });
    expect(Math.max(...watcher.eventProgress.map((p) => p.notes.succeeded + p.grades.succeeded))).toBe(NOTES + GRADES);
    await watcher.close();

    // A client that lost its connection resubscribes with the time of the last event it had: it gets
    // the final events of the jobs that ended since (here: all of them).
    const resumed = watch(api, seeded.experimentId, startedAt);
    await waitFor("the resumed subscriber has every final event", async () => resumed.finals() === NOTES + GRADES, 10_000);
    expect([...resumed.byJob.keys()].sort()).toEqual([...noteIds, ...gradeIds].sort());
    await resumed.close();
  });
});
