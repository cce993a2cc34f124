import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import type { FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients } from "../src/llm";
import type { Criterion, LlmError, Vendor } from "../src/llm";
import { BOTH_VENDORS, SECRET_KEY, rejectionOf, specFor, testLlmConfig } from "./support/fake-llm";

const rubric: Criterion[] = [
  { criterion: "Reward for documenting the dose", weight: 10, sense: "positive" },
  { criterion: "Penalize for invented content", weight: 5, sense: "negative" },
];
const note = [{ instruction: "Take one tablet daily with food." }];

let server: FakeLlmServer;
const logs: string[] = [];
const errors: LlmError[] = [];
beforeAll(async () => {
  server = await makeFakeLlmServer();
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

function clientsWith(env: Record<string, string> = {}) {
  return makeLlmClients(testLlmConfig(env), { log: (m) => logs.push(m) });
}

function grade(vendor: Vendor, env: Record<string, string> = {}, signal?: AbortSignal, model = "fake-chat") {
  return gradeNote(clientsWith(env), { rubric, note, model: specFor(server, vendor, model), signal });
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err = await rejectionOf(promise);
  errors.push(err);
  return err;
}

describe.each(BOTH_VENDORS)("transport through the %s SDK", (vendor) => {
  it("retries 429 twice then succeeds in 3 requests, waiting the Retry-After each time", async () => {
    server.addFault({ match: { vendor }, fault: "429", times: 2, retryAfterMs: 150 });
    const started = Date.now();
    const result = await grade(vendor);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295); // backoff base is 1 ms: only Retry-After explains this
    expect(result.usage.requests).toBe(3);
    expect(server.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("honours a Retry-After in whole seconds", async () => {
    server.addFault({ match: { vendor }, fault: "429", times: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const result = await grade(vendor);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(result.usage.requests).toBe(2);
  });

  it("gives up on 500 after transportRetries retries, as a retryable transport error", async () => {
    server.addFault({ match: { vendor }, fault: "500" });
    const err = await failure(grade(vendor, { LLM_TRANSPORT_RETRIES: "2" }));
    expect(err.kind).toBe("transport");
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(500);
    expect(err.usage.requests).toBe(3);
    expect(server.requestCount()).toBe(3);
    expect(err.message).toContain(`${vendor} answered HTTP 500`);
  });

  it("retries 529 overloaded and connection resets", async () => {
    server.addFault({ match: { vendor }, fault: "529", times: 1 });
    server.addFault({ match: { vendor }, fault: "reset", times: 1 });
    const result = await grade(vendor);
    expect(result.usage.requests).toBe(3);
    expect(server.requests.map((r) => r.fault)).toEqual(["529", "reset", null]);
  });

  it("does not retry 400 (bad request); tries a lone 401 again (a key stops only when refused in a row: llm.stopsRun.test.ts)", async () => {
    server.addFault({ match: { vendor }, fault: "401", times: 1 });
    const retried = await grade(vendor);
    expect(retried.usage.requests).toBe(2);
    server.reset();

    server.addFault({ match: { vendor }, fault: "400", times: 1 });
    const bad = await failure(grade(vendor));
    expect(bad).toMatchObject({ kind: "bad_request", retryable: false, status: 400 });
    expect(bad.usage.requests).toBe(1);
    expect(server.requestCount()).toBe(1);
  });

  it("cuts a hanging request at the request timeout and retries it", async () => {
    server.addFault({ match: { vendor }, fault: "hang", times: 1 });
    const ok = await grade(vendor, { LLM_REQUEST_TIMEOUT_MS: "300" });
    expect(ok.usage.requests).toBe(2);
    expect(ok.usage.latencyMs).toBeGreaterThanOrEqual(290);

    server.addFault({ match: { vendor }, fault: "hang" });
    const started = Date.now();
    const err = await failure(grade(vendor, { LLM_REQUEST_TIMEOUT_MS: "300", LLM_TRANSPORT_RETRIES: "1" }));
    const elapsed = Date.now() - started;
    expect(err.message).toContain("timed out");
    expect(err.kind).toBe("timeout");
    expect(err.usage.requests).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(2000);
  });

  it("stops at once when aborted in flight", async () => {
    server.addFault({ match: { vendor }, fault: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await failure(grade(vendor, { LLM_REQUEST_TIMEOUT_MS: "10000" }, controller.signal));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.kind).toBe("aborted");
    expect(err.retryable).toBe(false);
    expect(err.usage.requests).toBe(1);
  });

  it("stops at once when aborted during a backoff sleep", async () => {
    server.addFault({ match: { vendor }, fault: "429", retryAfterMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await failure(grade(vendor, {}, controller.signal));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.kind).toBe("aborted");
    expect(err.usage.requests).toBe(1);
  });

  it("does not start when the signal is already aborted", async () => {
    const err = await failure(grade(vendor, {}, AbortSignal.abort()));
    expect(err.kind).toBe("aborted");
    expect(err.usage.requests).toBe(0);
    expect(server.requestCount()).toBe(0);
  });

  it("caps requests in flight per vendor", async () => {
    // Long enough that requests sent together overlap at the vendor even on a loaded machine (at
    // 40 ms, load 14 once saw the uncapped vendor's 4 requests not all in flight at once).
    server.setLatency(250);
    const env: Record<string, string> =
      vendor === "openai" ? { OPENAI_MAX_CONCURRENCY: "2" } : { ANTHROPIC_MAX_CONCURRENCY: "2" };
    const clients = clientsWith(env);
    const other: Vendor = vendor === "openai" ? "anthropic" : "openai";
    const calls = Array.from({ length: 8 }, () => gradeNote(clients, { rubric, note, model: specFor(server, vendor) }));
    const free = Array.from({ length: 4 }, () => gradeNote(clients, { rubric, note, model: specFor(server, other) }));
    await Promise.all([...calls, ...free]);
    expect(server.stats().maxInFlight[vendor]).toBe(2);
    expect(server.stats().maxInFlight[other]).toBe(4); // the other vendor is not capped
    expect(clients.limiters[other]).toBeNull();
  });

  it("rate-limits requests per interval", async () => {
    const env: Record<string, string> =
      vendor === "openai" ? { OPENAI_REQUESTS_PER_INTERVAL: "2" } : { ANTHROPIC_REQUESTS_PER_INTERVAL: "2" };
    const clients = clientsWith({ ...env, LLM_RATE_INTERVAL_MS: "150" });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => gradeNote(clients, { rubric, note, model: specFor(server, vendor) })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // 3 intervals of 2
    // The vendor sees them spread too. Its receipt times lag the sends by the event loop's delay (on
    // a loaded machine the first can arrive late, measured 247 ms for 300), so its bound is looser
    // than the client's above: the 5th comes at least one interval after the 1st.
    const times = server.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    expect(times[4] - times[0]).toBeGreaterThanOrEqual(150);
  });
});

describe("secrets", () => {
  it("never puts the API key in an error message or a log line", async () => {
    // the cases above ran first (same file, in order), so errors and logs are full of failures
    expect(errors.length).toBeGreaterThanOrEqual(10);
    expect(logs.length).toBeGreaterThan(0);
    for (const err of errors) {
      expect(err.message).not.toContain(SECRET_KEY);
      expect(String(err.stack)).not.toContain(SECRET_KEY);
      expect(JSON.stringify(err)).not.toContain(SECRET_KEY);
    }
    for (const line of logs) expect(line).not.toContain(SECRET_KEY);
  });

  it("scrubs a key that a vendor echoes back in an error body", async () => {
    server.addScriptedAnswer({ content: "unused" });
    server.addFault({ fault: "400", times: 1 });
    // a misconfigured proxy might echo the key: a model name carries it into the body excerpt here
    const err = await rejectionOf(grade("openai", {}, undefined, `model-${SECRET_KEY}`));
    expect(err.message).not.toContain(SECRET_KEY);
    expect(err.message).toContain("[redacted]");
  });

  it("refuses a spec without a key before any request", async () => {
    const err = await rejectionOf(
      gradeNote(clientsWith(), { rubric, note, model: { ...specFor(server, "openai"), apiKey: "" } }),
    );
    expect(err.kind).toBe("auth");
    expect(server.requestCount()).toBe(0);
  });
});
