/**
 * Models that exist: the defaults are in the installed SDKs' model lists and in no deprecation data;
 * request parameters follow the model's family, proven against a fake vendor that refuses (400)
 * what the real one refuses; checkModel asks the models endpoint through the real SDKs.
 */
import fs from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { loadConfig } from "../src/config";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { checkModel, gradeNote, makeLlmClients } from "../src/llm";
import { DEFAULT_MODELS, DEFAULT_PRICES } from "../src/llm/models/defaults";
import { anthropicSdkDeprecations, knownDeprecation, parseSdkDate } from "../src/llm/models/deprecations";
import { modelFamily } from "../src/llm/models/families";
import { SECRET_KEY, specFor, testLlmConfig } from "./support/fake-llm";

/** The string literals of `export type <name> = | 'a' | 'b' …` in an installed SDK's declaration file. */
function sdkUnion(file: string, name: string): string[] {
  const text = fs.readFileSync(path.join(__dirname, "..", "node_modules", file), "utf8");
  const start = text.indexOf(`export type ${name} =`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body = text.slice(start, text.indexOf(";", start));
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

const anthropicListed = sdkUnion("@anthropic-ai/sdk/resources/messages/messages.d.ts", "Model");
const openaiListed = sdkUnion("openai/resources/shared.d.ts", "ChatModel");

describe("default models", () => {
  test("the SDK's deprecation table is found and read", () => {
    expect(anthropicSdkDeprecations()["claude-sonnet-4-5-20250929"]).toBeDefined();
    expect(knownDeprecation("anthropic", "claude-sonnet-4-5-20250929")?.endOfLife).toBe("2026-11-30");
    expect(parseSdkDate("January 22nd, 2027")).toBe("2027-01-22");
  });

  test.each([
    ["openai", DEFAULT_MODELS.openai.chat],
    ["openai", DEFAULT_MODELS.openai.reasoning],
    ["anthropic", DEFAULT_MODELS.anthropic.chat],
    ["anthropic", DEFAULT_MODELS.anthropic.reasoning],
  ] as const)("%s %s is listed by the installed SDK, not deprecated, and priced", (vendor, model) => {
    expect(vendor === "openai" ? openaiListed : anthropicListed).toContain(model);
    expect(knownDeprecation(vendor, model)).toBeNull();
    expect(DEFAULT_PRICES[model]).toEqual({ input: expect.any(Number), output: expect.any(Number) });
  });

  test("the former defaults are flagged: retired, deprecated or announced", () => {
    expect(anthropicListed).not.toContain("claude-opus-4-1");
    expect(knownDeprecation("anthropic", "claude-sonnet-4-5-20250929")).not.toBeNull();
    expect(knownDeprecation("openai", "o3")).not.toBeNull();
  });

  test("configuration overrides a default", () => {
    const config = loadConfig({ ANTHROPIC_DEFAULT_REASONING_MODEL: "claude-opus-4-6" });
    expect(config.llm.defaults.anthropic).toEqual({ chat: DEFAULT_MODELS.anthropic.chat, reasoning: "claude-opus-4-6" });
  });
});

describe("request parameters follow the model's family (the fake refuses what the vendor refuses)", () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await makeFakeLlmServer({ seed: 4 });
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());
  const rubric = [{ criterion: "Reward for the plan", weight: 10, sense: "positive" as const }];

  test("the fake refuses temperature on claude-opus-4-7 and enabled thinking on it, as Anthropic does", async () => {
    const client = new Anthropic({ apiKey: SECRET_KEY, baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const ask = (extra: Record<string, unknown>) =>
      client.messages.create({
        model: "claude-opus-4-7",
        max_tokens: 100,
        messages: [{ role: "user", content: "hi" }],
        ...extra,
      });
    await expect(ask({ temperature: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(ask({ thinking: { type: "enabled", budget_tokens: 1024 } })).rejects.toMatchObject({ status: 400 });
    await expect(ask({ thinking: { type: "adaptive" } })).resolves.toMatchObject({ type: "message" });
  });

  const cases: [vendor: "openai" | "anthropic", model: string, temperatureSent: boolean, reasoningBody: unknown][] = [
    ["openai", "gpt-4.1", true, undefined],
    ["openai", "gpt-5.2", false, "medium"],
    ["openai", "o3", false, "medium"],
    ["anthropic", "claude-sonnet-4-5", true, { type: "enabled", budget_tokens: 4096 }],
    ["anthropic", "claude-sonnet-4-6", true, { type: "adaptive" }],
    ["anthropic", "claude-opus-4-7", false, { type: "adaptive" }],
    ["anthropic", "claude-opus-5", false, { type: "adaptive" }],
  ];

  test.each(cases)("%s %s grades as chat and as reasoning grader", async (vendor, model, temperatureSent, reasoningBody) => {
    const clients = makeLlmClients(testLlmConfig());
    const chat = await gradeNote(clients, { rubric, note: { items: [] }, model: specFor(server, vendor, model) });
    expect(chat.temperature).toBe(temperatureSent ? 0 : 1);
    const reasoning = await gradeNote(clients, {
      rubric,
      note: { items: [] },
      model: specFor(server, vendor, model, { reasoning: true }),
    });
    expect(reasoning.temperature).toBe(1);
    const [chatBody, reasoningBodySent] = server.requests.map((r) => r.body!);
    expect(chatBody.temperature).toBe(temperatureSent ? 0 : undefined);
    expect(reasoningBodySent.temperature).toBeUndefined();
    if (vendor === "openai") expect(reasoningBodySent.reasoning_effort).toEqual(reasoningBody);
    else expect(reasoningBodySent.thinking).toEqual(reasoningBody);
    expect(server.requestCount({ status: 400 })).toBe(0);
  });

  test("a model the operator marks as refusing temperature is refused, and the family rule for it would be wrong", async () => {
    const strict = await makeFakeLlmServer({ refuseTemperature: ["house-model"] });
    try {
      const clients = makeLlmClients(testLlmConfig({ LLM_TRANSPORT_RETRIES: "0" }));
      expect(modelFamily("openai", "house-model").acceptsTemperature).toBe(true);
      const error = await gradeNote(clients, {
        rubric,
        note: { items: [] },
        model: specFor(strict, "openai", "house-model"),
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "bad_request", status: 400, message: expect.stringContaining("temperature") });
    } finally {
      await strict.close();
    }
  });
});

describe("checkModel", () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await makeFakeLlmServer({ seed: 4 });
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());
  const clients = makeLlmClients(testLlmConfig());

  test.each(["openai", "anthropic"] as const)(
    "%s: says whether the model exists and the key works, in plain words",
    async (vendor) => {
      server.setModels(["known-model"]);
      expect(await checkModel(clients, specFor(server, vendor, "known-model"))).toMatchObject({
        status: "ok",
        model: "known-model",
      });
      const missing = await checkModel(clients, specFor(server, vendor, "gone-model"));
      expect(missing).toMatchObject({
        status: "not_found",
        message: expect.stringContaining("does not know the model gone-model"),
      });
      server.setKeys({ refused: [SECRET_KEY] });
      const refused = await checkModel(clients, specFor(server, vendor, "known-model"));
      expect(refused).toMatchObject({ status: "key_refused", message: `${vendor} refused the key (HTTP 401): check the key.` });
      expect(JSON.stringify(refused)).not.toContain(SECRET_KEY);
      expect(await checkModel(clients, specFor(server, vendor, "known-model", { apiKey: "" }))).toMatchObject({
        status: "no_key",
      });
      expect(server.requestCount({ pathIncludes: "/v1/models/" })).toBe(3);
    },
  );

  test("anthropic: a retired model is refused and a scheduled retirement is reported", async () => {
    server.setModels([
      { id: "old-model", lifecycle: "retired", retiresAt: "2026-01-05T00:00:00Z" },
      { id: "going-model", lifecycle: "deprecated", retiresAt: "2027-02-01T00:00:00Z" },
    ]);
    expect(await checkModel(clients, specFor(server, "anthropic", "old-model"))).toMatchObject({ status: "retired" });
    expect(await checkModel(clients, specFor(server, "anthropic", "going-model"))).toMatchObject({
      status: "ok",
      endOfLife: "2027-02-01",
      message: expect.stringContaining("end of life on 2027-02-01"),
    });
  });

  test("a vendor that cannot be reached is said to be unreachable", async () => {
    const spec = { vendor: "openai" as const, apiKey: SECRET_KEY, model: "m", baseUrl: "http://127.0.0.1:9/v1" };
    expect(await checkModel(clients, spec)).toMatchObject({ status: "unreachable" });
  });
});
