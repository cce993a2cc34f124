/**
 * Adaptive limits against a fake vendor that enforces requests per window per key with the real
 * headers and 429 + retry-after: the limiter paces by the headers and halves on 429, so a burst of
 * calls far above the limit finishes with few 429s, where the same burst without adaptation gets
 * many more.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients } from "../src/llm";
import { AdaptiveLimiter } from "../src/llm/limits/adaptive-limiter";
import { parseDuration, readRateHeaders } from "../src/llm/limits/headers";
import { TokenCalibration } from "../src/llm/limits/token-calibration";
import { BOTH_VENDORS, specFor, testLlmConfig } from "./support/fake-llm";

const rubric = [{ criterion: "Reward for the plan", weight: 10, sense: "positive" as const }];
const LIMITS = { requests: 40, tokens: 1_000_000, windowMs: 1000 };
const CALLS = 100;

let server: FakeLlmServer;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 11, logBodies: false, latencyMs: 5, rateLimits: LIMITS });
});
afterEach(() => server.reset());
afterAll(() => server.close());

test("reads both vendors' rate-limit headers", () => {
  expect(parseDuration("6m0s")).toBe(360_000);
  expect(parseDuration("1.5s")).toBe(1500);
  expect(parseDuration("20ms")).toBe(20);
  const openai = readRateHeaders(
    (n) =>
      ({ "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s" })[n],
  );
  expect(openai.requests).toEqual({ limit: 60, remaining: 59, resetMs: 1000 });
  const now = Date.parse("2026-11-27T10:00:00Z");
  const anthropic = readRateHeaders(
    (n) =>
      ({
        "anthropic-ratelimit-tokens-limit": "1000",
        "anthropic-ratelimit-tokens-remaining": "400",
        "anthropic-ratelimit-tokens-reset": "2026-11-27T10:00:30Z",
      })[n],
    now,
  );
  expect(anthropic.tokens).toEqual({ limit: 1000, remaining: 400, resetMs: 30_000, resetAt: now + 30_000 });
  // Anthropic's `tokens` is its most restrictive token limit (it may be the output one): our
  // estimates are of input tokens, so its input-tokens window wins when sent.
  const both = readRateHeaders(
    (n) =>
      ({
        "anthropic-ratelimit-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-remaining": "100",
        "anthropic-ratelimit-tokens-reset": "2026-11-27T10:00:30Z",
        "anthropic-ratelimit-input-tokens-limit": "30000",
        "anthropic-ratelimit-input-tokens-remaining": "20000",
        "anthropic-ratelimit-input-tokens-reset": "2026-11-27T10:00:20Z",
      })[n],
    now,
  );
  expect(both.tokens).toMatchObject({ limit: 30_000, remaining: 20_000, resetMs: 20_000 });
});

test("a header counts what was sent after its request, and a 5 % headroom is kept", async () => {
  const limiter = new AdaptiveLimiter(100);
  const first = await limiter.acquire(1);
  const window = (remaining: number) => ({ requests: { limit: 100, remaining, resetMs: 600_000 } });
  limiter.succeeded(window(99), first); // the vendor counted the first request only
  const sent = [];
  for (let i = 0; i < 10; i++) sent.push(await limiter.acquire(1));
  // Written when the 2nd request arrived: 98 left then, and 9 were sent after it. 89 left now.
  limiter.succeeded(window(98), sent[0]);
  let started = 0;
  const controller = new AbortController();
  const pending = (async () => {
    for (;;) {
      await limiter.acquire(1, controller.signal);
      started++;
    }
  })().catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  controller.abort();
  await pending;
  // 89 − 84 = 5 requests of headroom (5 % of 100) stay unused; the refill (100 per 10 minutes) adds none yet.
  expect(started).toBe(84);
});

test("requests wait in one line, higher priority first; one that gives up leaves the line to the next", async () => {
  const limiter = new AdaptiveLimiter(1);
  const first = await limiter.acquire(1);
  const order: string[] = [];
  const wait = (name: string, priority?: number, signal?: AbortSignal) =>
    limiter.acquire(1, signal, priority).then(
      () => order.push(name),
      () => order.push(`${name} gave up`),
    );
  const controller = new AbortController();
  const done = Promise.all([wait("grade 1"), wait("grade 2"), wait("note", 1, controller.signal), wait("note 2", 1)]);
  controller.abort(); // the first of the notes in line gives up: the second goes first
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual(["note gave up"]);
  limiter.succeeded({}, first); // one slot (ceiling 1): each answer lets the next in line go
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    limiter.released();
  }
  await done;
  expect(order).toEqual(["note gave up", "note 2", "grade 1", "grade 2"]);
});

test("a 429 counts the older requests in flight as counted: the bucket is read empty, not a burst below", async () => {
  const limiter = new AdaptiveLimiter(100);
  const probe = await limiter.acquire(1);
  const window = (remaining: number) => ({ requests: { limit: 100, remaining, resetMs: 1000 } });
  limiter.succeeded(window(99), probe); // 100 per second
  const burst = [];
  for (let i = 0; i < 90; i++) burst.push(await limiter.acquire(1));
  // The last of the burst is refused as it arrives, the 89 before it still unanswered: the bucket
  // is empty now and refills at 0.1 per ms, so a request (and the 5 of headroom) fits within about
  // 60 ms; counting the 89 as not yet counted would have read it 89 below empty (about 950 ms).
  limiter.rateLimited(0, window(0), burst[89]);
  const started = Date.now();
  await limiter.acquire(1);
  expect(Date.now() - started).toBeLessThan(400);
});

test("a retry-after of a day pauses the key for 10 minutes at most, heard from the vendor or from another process", () => {
  const limiter = new AdaptiveLimiter(8);
  limiter.rateLimited(86_400_000, { requests: { limit: 10, remaining: 0, resetMs: 100 } });
  expect(limiter.vendorPauseMs()).toBeLessThanOrEqual(600_000);
  expect(limiter.state().reason).toBe("paused 600000 ms on a 429 (retry-after); pacing by the vendor's headers");
  const other = new AdaptiveLimiter(8);
  other.pauseFor(86_400_000, "another process on the key got a 429 (retry-after)");
  expect(other.state().reason).toBe("paused 600000 ms: another process on the key got a 429 (retry-after)");
  expect(other.vendorPauseMs()).toBe(0); // heard, not its own: not written back to its row
});

test("token estimates are scaled by what the vendor's headers say it charged", () => {
  const calibration = new TokenCalibration();
  // The vendor charges 1.2× our estimates: 1,200 per 1,000 estimated, no refill.
  for (let i = 0; i < 30; i++) {
    calibration.observe({ at: i, estimatedSent: 1000 * (i + 1), remaining: 90_000 - 1200 * i, limit: 100_000 }, 0);
  }
  expect(calibration.factor).toBeCloseTo(1.2, 5);
  calibration.refused(); // a 429 between two answers: that pair is not counted
  calibration.observe({ at: 31, estimatedSent: 40_000, remaining: 0, limit: 100_000 }, 0);
  expect(calibration.factor).toBeCloseTo(1.2, 5);
});

test("a 429 without rate-limit headers halves the limit and says why; answers while it binds raise it again", async () => {
  const changes: string[] = [];
  const limiter = new AdaptiveLimiter(8, (s) => changes.push(s.reason));
  await limiter.acquire(1);
  limiter.succeeded({}); // the first answer ends the probing
  for (let i = 0; i < 8; i++) await limiter.acquire(1);
  limiter.rateLimited(0, {});
  expect(limiter.state()).toMatchObject({ limit: 4, reason: "halved to 4 on a 429; paused 0 ms (retry-after)" });
  for (let i = 0; i < 7; i++) limiter.released();
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < limiter.state().limit; i++) await limiter.acquire(1);
    for (let i = 0, n = limiter.state().limit; i < n; i++) limiter.succeeded({});
  }
  expect(limiter.state().limit).toBeGreaterThan(4);
  expect(limiter.state().limit).toBeLessThanOrEqual(8);
  expect(changes.at(-1)).toMatch(/^raised to \d+ after answers without 429$/);
  // With rate-limit headers the pace comes from them: a 429 pauses the key but keeps the limit.
  const before = limiter.state().limit;
  await limiter.acquire(1);
  limiter.rateLimited(0, { requests: { limit: 10, remaining: 0, resetMs: 100 } });
  expect(limiter.state()).toMatchObject({
    limit: before,
    reason: "paused 0 ms on a 429 (retry-after); pacing by the vendor's headers",
  });
});

describe.each(BOTH_VENDORS)(`a burst of ${CALLS} calls through the %s SDK against 40 requests/s`, (vendor) => {
  async function burst(env: Record<string, string>) {
    const clients = makeLlmClients(testLlmConfig({ LLM_TRANSPORT_RETRIES: "8", LLM_BACKOFF_BASE_MS: "20", ...env }));
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, () => gradeNote(clients, { rubric, note: { items: [] }, model: specFor(server, vendor) })),
    );
    const wallMs = Date.now() - started;
    const total = server.requestCount({ vendor });
    const limited = server.requestCount({ vendor, status: 429 });
    server.reset();
    return { ok: results.filter((r) => r.status === "fulfilled").length, share429: limited / total, wallMs, clients };
  }

  // In this in-process burst (server and client on one event loop) no request was 429'd with
  // adaptation in 19 runs up to a load average of 6 with two other test files beside it. Before the
  // limiter counted older unanswered requests as not yet seen by the vendor, 6-14 % were in 3 of 7
  // runs at load averages of 6-11 (a burst reached the vendor over 150 ms); before the tuning of #11,
  // 1-10 %. Without adaptation over 30 % are. 5 % leaves a loaded CI machine some room; the issue's
  // 3 % is shown on the benchmark.
  test("with adaptation: every call succeeds, few requests are 429, at the limit's pace; without, many are", async () => {
    const adaptive = await burst({});
    expect(adaptive.ok).toBe(CALLS);
    expect(adaptive.share429).toBeLessThanOrEqual(0.05);
    // Lower bound: the first 40 at once, the other 60 at 40/s = 1.5 s.
    expect(adaptive.wallMs).toBeGreaterThanOrEqual(1400);
    expect(adaptive.clients.limitStates()).toEqual([expect.objectContaining({ vendor, limit: expect.any(Number) })]);

    const fixed = await burst({ LLM_ADAPTIVE_LIMITS: "false" });
    expect(fixed.share429).toBeGreaterThan(0.3);
  });
});
