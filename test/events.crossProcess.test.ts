/**
 * Two server processes on one database: a run driven by one (a child process) is watched through
 * graphql-ws on the other (this process). Every job's events arrive, in order per job, with their
 * rows loaded on the receiving side; after the listener's connection is cut it reconnects and the
 * progress subscribers get the current state again. A job whose end was written but never announced
 * (its publisher died) still reaches subscribers, from its row.
 */
import type { Client as WsClient } from "graphql-ws";
import { Client } from "pg";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { startChildServer, type ChildServer } from "./support/child-server";
import { createTestDatabase } from "./support/database";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment } from "./support/experiment";

jest.setTimeout(90_000);

// 3 cases × 2 note replications × 1 combination = 6 notes; each note 2 reviewers' rubrics × 1 grade replication.
const NOTES = 6;
const GRADES = 12;

interface Event {
  type: string;
  resultId: number | null;
  attempt: number | null;
  result: { id: number; caseName: string } | null;
  grade: { id: number; experimentResultId: number } | null;
}

let fake: FakeLlmServer;
let databaseUrl: string;
let worker: ChildServer;
let api: TestApp;
let ws: WsClient;

beforeAll(async () => {
  fake = await makeFakeLlmServer({ seed: 5, logBodies: false });
  databaseUrl = await createTestDatabase();
  // A child server compiles with ts-node on start: slow on a loaded machine.
  worker = await startChildServer({ DATABASE_URL: databaseUrl, LLM_TRANSPORT_RETRIES: "0", RESUME_ON_START: "false" }, 60_000);
  api = await startTestApp({ DATABASE_URL: databaseUrl, RESUME_ON_START: "false" });
  ws = api.wsClient();
});
afterAll(async () => {
  worker?.process.kill("SIGTERM");
  await worker?.exited;
  await api?.stop();
  await fake?.close();
});

/** Subscribes; messages go to `into`, a failure to `failures` (asserted empty by the tests). */
const failures: string[] = [];
function collect<T>(query: string, variables: Record<string, unknown>, into: T[], key: string): void {
  ws.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (message) => {
        if (message.errors) failures.push(JSON.stringify(message.errors));
        else into.push(message.data![key]!);
      },
      error: (error) => failures.push(error instanceof Error ? error.message : JSON.stringify(error)),
      complete: () => undefined,
    },
  );
}

async function until(condition: () => boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (subscription failures: ${failures.join("; ")})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a subscriber on one process receives every job's events from the process that runs them, in order per job", async () => {
  const seeded = await seedExperiment(api, fake, { name: "cross", cases: 3, noteReplications: 2, gradeReplications: 1 });
  const events: Event[] = [];
  const progress: { done: boolean; notes: { succeeded: number }; grades: { succeeded: number } }[] = [];
  collect(
    `subscription($e: Int!) { experimentResultEvents(experimentId: $e) {
      type resultId attempt result { id caseName } grade { id experimentResultId } } }`,
    { e: seeded.experimentId },
    events,
    "experimentResultEvents",
  );
  collect(
    `subscription($e: Int!) { experimentProgress(experimentId: $e) { done notes { succeeded } grades { succeeded } } }`,
    { e: seeded.experimentId },
    progress,
    "experimentProgress",
  );
  await until(() => progress.length > 0, "the first progress message");

  fake.setLatency(20);
  dataOf(
    await worker.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 3) { id } }`, {
      e: seeded.experimentId,
    }),
  );
  await until(() => progress.at(-1)?.done === true, "the final progress");
  await until(() => events.some((e) => e.type.startsWith("run_") && e.type !== "run_started"), "the run's end event");

  expect(failures).toEqual([]);
  expect(progress.at(-1)).toEqual({ done: true, notes: { succeeded: NOTES }, grades: { succeeded: GRADES } });

  const notes = events.filter((e) => e.type.startsWith("note_"));
  const grades = events.filter((e) => e.type.startsWith("grade_"));
  expect(new Set(notes.filter((e) => e.type === "note_succeeded").map((e) => e.resultId)).size).toBe(NOTES);
  expect(new Set(grades.filter((e) => e.type === "grade_succeeded").map((e) => e.grade?.id)).size).toBe(GRADES);
  // Rows were loaded by the receiver from the ids on the wire.
  for (const e of notes) expect(e.result).toMatchObject({ id: e.resultId, caseName: expect.stringMatching(/^cross-case-/) });
  for (const e of grades) expect(e.grade).toMatchObject({ id: expect.any(Number), experimentResultId: e.resultId });

  // In order per job: each job's events follow its lifecycle and end with its final event.
  const rank: Record<string, number> = { queued: 0, started: 1, retrying: 1, succeeded: 2, failed: 2 };
  const byJob = new Map<string, string[]>();
  for (const e of [...notes, ...grades]) {
    const job = e.type.startsWith("note_") ? `note ${e.resultId}` : `grade ${e.grade?.id}`;
    byJob.set(job, [...(byJob.get(job) ?? []), e.type.slice(e.type.indexOf("_") + 1)]);
  }
  expect(byJob.size).toBe(NOTES + GRADES);
  for (const [job, types] of byJob) {
    const ranks = types.map((t) => rank[t]!);
    expect({ job, ranks }).toEqual({ job, ranks: [...ranks].sort((a, b) => a - b) });
    expect({ job, last: types.at(-1) }).toEqual({ job, last: "succeeded" });
  }
});

test("a job that ended without its event (its publisher died) reaches subscribers from its row, once, and nothing of it after", async () => {
  const seeded = await seedExperiment(api, fake, { name: "lost", cases: 1 });
  const events: Event[] = [];
  const progress: unknown[] = [];
  collect(
    `subscription($e: Int!) { experimentResultEvents(experimentId: $e) { type resultId attempt result { id caseName } grade { id experimentResultId } } }`,
    { e: seeded.experimentId },
    events,
    "experimentResultEvents",
  );
  collect(
    `subscription($e: Int!) { experimentProgress(experimentId: $e) { done } }`,
    { e: seeded.experimentId },
    progress,
    "experimentProgress",
  );
  await until(() => progress.length === 1, "both subscriptions live");

  // What a process writes before it is SIGKILLed between its commit and its NOTIFY: the row, no event.
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  let noteId: number;
  try {
    const { rows: runs } = await admin.query(
      `INSERT INTO experiment_run (experiment_id, status, workers, max_attempts, started_at, finished_at)
       VALUES ($1, 'finished', 1, 3, now(), now()) RETURNING id`,
      [seeded.experimentId],
    );
    const { rows } = await admin.query(
      `INSERT INTO experiment_result (experiment_id, experiment_name, hyperscribe_version, case_id, case_name, experiment_model_id,
         cycle_transcript_overlap, note_replication, status, attempts, run_id, started_at, finished_at)
       VALUES ($1, 'lost', 'test-sha', $2, 'lost-case-0', $3, 100, 1, 'succeeded', 1, $4, now(), now()) RETURNING id`,
      [seeded.experimentId, seeded.caseIds[0], seeded.combinationIds[0], runs[0].id],
    );
    noteId = rows[0].id;
    // A late event of that job (published here after the catch-up delivered its end) must not follow its final event.
    await until(() => events.length === 1, "the caught-up final event", 20_000);
    api.app.bus.publish(`experiment-events:${seeded.experimentId}`, {
      type: "note_started",
      experimentId: seeded.experimentId,
      runId: runs[0].id,
      at: Date.now(),
      resultId: noteId,
      scoreJobId: null,
      attempt: 1,
      error: null,
      progress: {},
      result: null,
      grade: null,
    });
    api.app.bus.publish(`experiment-events:${seeded.experimentId}`, {
      type: "run_finished",
      experimentId: seeded.experimentId,
      runId: runs[0].id,
      at: Date.now(),
      resultId: null,
      scoreJobId: null,
      attempt: null,
      error: null,
      progress: {},
    });
  } finally {
    await admin.end();
  }
  await until(() => events.length === 2, "the run event published after it");
  expect(failures).toEqual([]);
  expect(events.map((e) => [e.type, e.resultId, e.attempt, e.result?.id])).toEqual([
    ["note_succeeded", noteId, 1, noteId],
    ["run_finished", null, null, undefined],
  ]);
});

test("a listener whose connection is cut reconnects and gives progress subscribers the current state", async () => {
  const { experiments } = dataOf(await api.gql(`{ experiments { id } }`));
  const experimentId = experiments[0].id as number;
  const progress: { done: boolean }[] = [];
  collect(
    `subscription($e: Int!) { experimentProgress(experimentId: $e) { done } }`,
    { e: experimentId },
    progress,
    "experimentProgress",
  );
  await until(() => progress.length === 1, "the first progress message");

  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    // Both processes' listeners: each must come back by itself.
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN note_eval_events%'`,
    );
    expect(rowCount).toBe(2);
  } finally {
    await admin.end();
  }
  await until(() => progress.length === 2, "the progress resent after the reconnect", 20_000);
  expect(progress[1]).toEqual({ done: true });
  expect(api.logs.join("\n")).toContain("event listener reconnected");
});
