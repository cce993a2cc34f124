/**
 * Two processes' LLM clients (two LlmClients, each its own cluster member) on one real Postgres
 * against a fake vendor: they divide a key's limits between them, take the whole again when the
 * other leaves, keep calling through a database outage, and never write the key to the table.
 */
import { Pool } from "pg";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients, type LlmClients } from "../src/llm";
import { ClusterShare } from "../src/llm/limits/cluster-share";
import { displayBaseUrl } from "../src/llm/base-url";
import { keyScope, readKeyLimits, type Query } from "../src/llm/limits/cluster-store";
import { createTestDatabase } from "./support/database";
import { SECRET_KEY, specFor, testLlmConfig } from "./support/fake-llm";

const rubric = [{ criterion: "Reward for the plan", weight: 10, sense: "positive" as const }];
const HEARTBEAT_MS = 200;
const BURST_ENV = { LLM_TRANSPORT_RETRIES: "8", LLM_BACKOFF_BASE_MS: "20" };

let server: FakeLlmServer;
let pool: Pool;
const members: ClusterShare[] = [];
const query: Query = async (sql, parameters) => (await pool.query(sql, parameters as unknown[])).rows;

beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 12, logBodies: false, latencyMs: 10 });
  pool = new Pool({ connectionString: await createTestDatabase(), max: 4 });
});
afterEach(async () => {
  for (const p of pumps.splice(0)) await p.stop();
  for (const m of members.splice(0)) await m.close();
  server.reset();
});
afterAll(async () => {
  await server.close();
  await pool.end();
});

/** One process's clients; `database.down = true` makes every query fail as an unreachable database would. */
function processClients(env: Record<string, string> = {}, heartbeatMs = HEARTBEAT_MS) {
  const database = { down: false };
  const cluster = new ClusterShare({
    query: (sql, parameters) =>
      database.down ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")) : query(sql, parameters),
    heartbeatMs,
  });
  members.push(cluster);
  const logs: string[] = [];
  const clients = makeLlmClients(testLlmConfig({ ...BURST_ENV, ...env }), { cluster, log: (m) => logs.push(m) });
  return { clients, cluster, database, logs };
}

const call = (clients: LlmClients) => gradeNote(clients, { rubric, note: { items: [] }, model: specFor(server, "openai") });

const pumps: { stop(): Promise<void> }[] = [];

/** Keeps `width` calls in flight until stopped; counts the successes and failures. */
function pump(clients: LlmClients, width: number) {
  let stopped = false;
  const state = { ok: 0, failed: 0, stop: async () => {} };
  const lanes = Array.from({ length: width }, async () => {
    while (!stopped) {
      await call(clients).then(
        () => state.ok++,
        () => state.failed++,
      );
    }
  });
  state.stop = async () => {
    stopped = true;
    await Promise.all(lanes);
  };
  pumps.push(state);
  return state;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const keyState = (clients: LlmClients) => clients.limitStates()[0];

test("two processes take half the ceiling each, keep their share through a database outage, and one takes the whole when the other leaves", async () => {
  const startedAt = new Date();
  const a = processClients({ LLM_MAX_CONCURRENCY_PER_KEY: "8" });
  const b = processClients({ LLM_MAX_CONCURRENCY_PER_KEY: "8" });
  const pumpA = pump(a.clients, 8);
  const pumpB = pump(b.clients, 8);
  await until(
    () => keyState(a.clients)?.processes === 2 && keyState(b.clients)?.processes === 2,
    "both processes to count each other",
  );
  expect(keyState(a.clients)).toMatchObject({ limit: 4, reason: "1/2 of the key (2 processes use it): limit 4, ceiling 4 of 8" });
  expect(keyState(b.clients)).toMatchObject({ limit: 4 });
  await Promise.all([a.cluster.beat(), b.cluster.beat()]); // rows with the limits after the change
  const rows: Record<string, unknown>[] = (await pool.query(`SELECT * FROM llm_limit_member`)).rows;
  expect(rows).toHaveLength(2);
  expect(rows.map((r) => [r.vendor, r.base_url, r.limit_now])).toEqual([
    ["openai", server.openaiBaseUrl, 4],
    ["openai", server.openaiBaseUrl, 4],
  ]);
  expect(JSON.stringify(rows)).not.toContain(SECRET_KEY);
  // Progress on any process reads the key's limit across both (src/runner/progress-limits.ts).
  expect(await readKeyLimits(query, ["openai"], startedAt)).toEqual([
    expect.objectContaining({
      baseUrl: server.openaiBaseUrl,
      limit: 8,
      processes: 2,
      share: 0.5,
      reason: "1/2 of the key (2 processes use it): limit 4, ceiling 4 of 8",
    }),
  ]);

  // A's database goes away: its calls go on at the last known share.
  a.database.down = true;
  const before = pumpA.ok;
  await until(() => pumpA.ok >= before + 40, "A's calls during the outage");
  await pumpB.stop();
  await b.cluster.close();
  await until(() => pumpA.ok >= before + 80, "more of A's calls during the outage");
  expect(keyState(a.clients)).toMatchObject({ processes: 2, limit: 4 });

  // Back: B is gone, A takes the whole ceiling.
  a.database.down = false;
  await until(() => keyState(a.clients)?.processes === 1, "A to find itself alone");
  expect(keyState(a.clients)).toMatchObject({ limit: 8, reason: "alone on the key again: limit 8, ceiling 8 of 8" });
  await pumpA.stop();
  expect(pumpA.failed + pumpB.failed).toBe(0);
});

// 120 calls at once, half through each process, against 40 requests/s per key (10 ms latency, both
// processes and the vendor on one event loop): sharing, 0% of requests were 429'd in 3 of 3 tries
// (wall time 2.2-2.5 s for a lower bound of 2.0 s); each process pacing by the headers alone, 33-35%.
test("two processes on one key stay within the vendor's limit together; each pacing alone, they do not", async () => {
  async function burst(a: LlmClients, b: LlmClients) {
    server.setRateLimits({ requests: 40, tokens: 1_000_000, windowMs: 1000 }); // a full bucket
    const results = await Promise.allSettled(Array.from({ length: 120 }, (_, i) => call(i % 2 ? a : b)));
    const share429 = server.requestCount({ vendor: "openai", status: 429 }) / server.requestCount({ vendor: "openai" });
    server.reset();
    return { ok: results.filter((r) => r.status === "fulfilled").length, share429 };
  }
  const shared = await burst(processClients().clients, processClients().clients);
  expect(shared).toEqual({ ok: 120, share429: expect.any(Number) });
  // The bounds leave room for a loaded machine (jest's other workers: up to 12% shared, like one
  // process alone in test/llm.adaptiveLimits.test.ts).
  expect(shared.share429).toBeLessThan(0.15);
  // Since the limiter reads each header against what its process sent after the request (#11
  // tuning), two processes pacing alone see each other in `remaining` sooner: 17-18 % quiet, 12-18 %
  // at a load average of 11, where sharing measured 7-14 %; so the comparison is with a floor.
  const alone = await burst(makeLlmClients(testLlmConfig(BURST_ENV)), makeLlmClients(testLlmConfig(BURST_ENV)));
  expect(alone.share429).toBeGreaterThan(0.05);
});

test("a 429 one process gets pauses the others on the key until its retry-after: nothing reaches the vendor meanwhile", async () => {
  // 3 requests per 4.5 s: once the bucket is empty a 429's retry-after is about a second or more.
  server.setRateLimits({ requests: 3, tokens: 1_000_000, windowMs: 4500 });
  const drain = makeLlmClients(testLlmConfig(BURST_ENV)); // a process outside the cluster empties the bucket
  for (let i = 0; i < 3; i++) await call(drain);
  const a = processClients();
  const callA = call(a.clients); // refused (the bucket is empty), then retried after the pause
  const pausedByVendor = () => /^paused (\d+) ms on a 429/.exec(keyState(a.clients)?.reason ?? "");
  await until(() => pausedByVendor() !== null, "A's 429");
  const paused = pausedByVendor();
  expect(server.requestCount({ vendor: "openai", status: 429 })).toBe(1);
  const refusedAt = server.requests.find((r) => r.status === 429)!.receivedAt;
  const pauseEnd = keyState(a.clients)!.changedAt + Number(paused![1]);
  const pausedRows = async () =>
    ((await query(`SELECT count(*)::int AS n FROM llm_limit_member WHERE paused_until > now()`, [])) as { n: number }[])[0].n;
  for (const deadline = Date.now() + 15_000; (await pausedRows()) === 0;) {
    if (Date.now() > deadline) throw new Error("timed out waiting for A's row to carry the pause");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // B joins the key during the pause: it hears of it in the heartbeats that join, before its first request.
  const b = processClients();
  const bStarted = Date.now();
  expect(bStarted).toBeLessThan(pauseEnd - 300); // B asks while the key is paused
  await Promise.all([callA, call(b.clients)]);
  expect(b.logs).toContainEqual(
    expect.stringMatching(/limit paused \d+ ms: another process on the key got a 429 \(retry-after\)$/),
  );
  const during = server.requests.filter((r) => r.receivedAt > refusedAt && r.receivedAt < pauseEnd - 50);
  expect(during).toEqual([]);
  expect(server.requestCount({ vendor: "openai", status: 200 })).toBeGreaterThanOrEqual(5); // the drain's 3, A's and B's
});

test("a process joining a busy key starts from what the others learned: no probes, no wait for their heartbeat", async () => {
  server.setRateLimits({ requests: 20, tokens: 1_000_000, windowMs: 1000 });
  // A slow heartbeat: a newcomer starting cold would wait 1.2 of it (1.2 s) before its first request.
  const heartbeatMs = 1000;
  const a = processClients({}, heartbeatMs);
  const pumpA = pump(a.clients, 4);
  await until(() => pumpA.ok >= 30, "A to learn the key's limits from its answers");
  await a.cluster.beat(); // its row carries what it learned
  const b = processClients({}, heartbeatMs);
  const asked = Date.now();
  await call(b.clients);
  const took = Date.now() - asked;
  const inherited = b.logs
    .map((m) => /inherited the key's limits from the cluster: (\d+) requests and \d+ tokens per minute for this process$/.exec(m))
    .find(Boolean);
  expect(inherited).toBeDefined();
  // Its half of the vendor's 20 requests/s, as A learned it from the headers' deficits (an estimate).
  expect(Number(inherited![1])).toBeGreaterThan(400);
  expect(Number(inherited![1])).toBeLessThan(800);
  expect(took).toBeLessThan(1.2 * heartbeatMs);
  // 0 in 3 of 3 tries (B waited 166-172 ms); a loaded machine may let a request or two past the headroom.
  expect(server.requestCount({ vendor: "openai", status: 429 })).toBeLessThanOrEqual(2);
  await pumpA.stop();
  expect(pumpA.failed).toBe(0);
});

// Two processes that start at the same moment may not see each other's first heartbeat (one of
// them runs alone for up to a heartbeat interval: ./cluster-share.ts), so this test pumps calls
// until both count each other and then measures their rate together.
test("the fixed per-vendor caps are divided too: two processes sharing 20 requests/s together stay near 20/s", async () => {
  const caps = {
    OPENAI_REQUESTS_PER_INTERVAL: "20",
    LLM_RATE_INTERVAL_MS: "1000",
    OPENAI_MAX_CONCURRENCY: "4",
    LLM_ADAPTIVE_LIMITS: "false",
  };
  const a = processClients(caps);
  const b = processClients(caps);
  const pumpA = pump(a.clients, 4);
  const pumpB = pump(b.clients, 4);
  const shared = "1/2 of openai's caps (2 processes use it)";
  const vendorRows = async () =>
    (await query(`SELECT limit_now, reason FROM llm_limit_member WHERE scope = 'vendor:openai'`, [])) as {
      limit_now: number;
      reason: string;
    }[];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await vendorRows();
    if (rows.length === 2 && rows.every((r) => r.reason === shared)) break;
    if (Date.now() > deadline) throw new Error(`both processes never counted each other: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await vendorRows()).toEqual([
    { limit_now: 2, reason: shared },
    { limit_now: 2, reason: shared },
  ]);
  // Sharing, each process lets 10/s through its gate after a first burst of 10 (a full bucket);
  // alone, each would take the whole 20/s. Measured once the bursts are spent. A loaded machine only
  // slows the calls down, so only the upper bound is asserted: together under 30/s (quiet: 20-25/s)
  // where unshared they would make 40/s.
  await until(() => pumpA.ok + pumpB.ok >= 30, "the first bursts to be spent");
  const okBefore = pumpA.ok + pumpB.ok;
  const windowStart = Date.now();
  await until(() => Date.now() - windowStart >= 2000, "a window of 2 s");
  const perSecond = ((pumpA.ok + pumpB.ok - okBefore) * 1000) / (Date.now() - windowStart);
  expect(perSecond).toBeLessThan(30);
  expect(perSecond).toBeGreaterThan(0);
  await Promise.all([pumpA.stop(), pumpB.stop()]);
  expect(pumpA.failed + pumpB.failed).toBe(0);
});

test("rows and progress name a key by a fingerprint and a base URL stripped of what proxies put credentials in", () => {
  expect(displayBaseUrl("https://user:sk-proxy-secret@proxy.example/v1?api-key=sk-q#f")).toBe("https://proxy.example/v1");
  const scope = keyScope("openai", SECRET_KEY, server.openaiBaseUrl);
  expect(scope).toMatch(/^key:[0-9a-f]{32}$/);
  expect(keyScope("openai", `${SECRET_KEY}x`, server.openaiBaseUrl)).not.toBe(scope);
});
