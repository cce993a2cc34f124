/**
 * Models through the API: the resolved name and end of life of each model, checkModel asking the
 * fake vendor with the row's key and base URL, and startExperimentRun refusing before it plans
 * anything when a model of the experiment does not exist or its key is refused.
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { DEFAULT_MODELS, DEFAULT_PRICES } from "../src/llm/models/defaults";
import { deprecationWords } from "../src/services/models";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { countRows, KEY, seedExperiment } from "./support/experiment";

describe("models that exist, through the API", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 2, logBodies: false });
    t = await startTestApp();
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  async function createModel(vendor: string, model: string, apiKey = KEY): Promise<number> {
    const baseUrl = vendor === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl;
    return dataOf(
      await t.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { vendor, model, apiKey, baseUrl } }),
    ).createModel.id;
  }

  test("Model shows the resolved name instead of 'default', its endpoint, its price or none, and the end of life of a deprecated one", async () => {
    const defaultId = await createModel("anthropic", "");
    const oldId = await createModel("anthropic", "claude-sonnet-4-5-20250929");
    const unpricedId = await createModel("openai", "gen-openai");
    const fields = "resolvedModel resolvedBaseUrl price { input output } endOfLife deprecation";
    const { a, b, c } = dataOf(
      await t.gql(
        `{ a: model(id: ${defaultId}) { ${fields} } b: model(id: ${oldId}) { ${fields} } c: model(id: ${unpricedId}) { price { input } } }`,
      ),
    );
    expect(a).toEqual({
      resolvedModel: DEFAULT_MODELS.anthropic.chat,
      resolvedBaseUrl: fake.anthropicBaseUrl,
      price: DEFAULT_PRICES[DEFAULT_MODELS.anthropic.chat],
      endOfLife: null,
      deprecation: null,
    });
    expect(c.price).toBeNull(); // unpriced: unknown, not 0
    expect(b).toEqual({
      resolvedModel: "claude-sonnet-4-5-20250929",
      resolvedBaseUrl: fake.anthropicBaseUrl,
      price: { input: 3, output: 15 },
      endOfLife: "2026-11-30",
      deprecation: expect.stringMatching(/^claude-sonnet-4-5-20250929 .*end of life on 2026-11-30/),
    });
  });

  test("a deprecated model's warning says in plain words how near or past its end of life is", () => {
    const known = { endOfLife: "2026-11-30", source: "the Anthropic SDK's deprecation table" };
    const on = (iso: string) => deprecationWords("m-1", known, new Date(iso));
    expect(on("2026-11-27T12:00:00Z")).toBe(
      "m-1 is deprecated and reaches end of life on 2026-11-30, in 3 days (the Anthropic SDK's deprecation table): choose a newer model",
    );
    expect(on("2026-06-01T00:00:00Z")).toMatch(/^m-1 is deprecated and reaches end of life on 2026-11-30 \(/);
    expect(on("2026-11-30T08:00:00Z")).toMatch(/^m-1 reached its end of life on 2026-11-30 .*the vendor may refuse it/);
    expect(deprecationWords("o3", { endOfLife: null, source: "OpenAI's announcement" })).toBe(
      "o3 is deprecated and has an announced end of life (OpenAI's announcement): choose a newer model",
    );
  });

  test("checkModel asks the vendor with the row's key and says what it answered", async () => {
    fake.setModels(["gpt-4.1"]);
    const good = await createModel("openai", "gpt-4.1");
    const missing = await createModel("openai", "gpt-9");
    const q = (id: number) => t.gql(`{ checkModel(id: ${id}) { status model message endOfLife } }`);
    expect(dataOf(await q(good)).checkModel).toMatchObject({ status: "ok", model: "gpt-4.1" });
    expect(dataOf(await q(missing)).checkModel).toMatchObject({ status: "not_found", message: expect.stringContaining("gpt-9") });
    expect(errorCodeOf(await q(999_999))).toBe("NOT_FOUND");
  });

  test("startExperimentRun refuses, naming the model and the vendor's answer, and plans nothing", async () => {
    const seeded = await seedExperiment(t, fake, {
      name: "precheck",
      cases: 1,
      combinations: [{ generator: ["openai", "gen-exists"], grader: ["anthropic", "grader-gone"] }],
    });
    fake.setModels(["gen-exists"]);
    const before = fake.requestCount();
    const res = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 2, maxAttempts: 1) { id } }`, {
      e: seeded.experimentId,
    });
    expect(errorCodeOf(res)).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toBe(
      "Run not started: anthropic model grader-gone (grader of combination " +
        `${seeded.combinationIds[0]}): anthropic does not know the model grader-gone (HTTP 404): check its name.`,
    );
    expect(JSON.stringify(res)).not.toContain(KEY);
    expect(fake.requestCount() - before).toBe(0); // no generation
    expect(fake.requestCount({ pathIncludes: "/v1/models/" })).toBe(2); // two model checks
    expect(await countRows(t, `SELECT count(*) FROM experiment_result WHERE experiment_id = $1`, [seeded.experimentId])).toBe(0);

    fake.setModels(null);
    fake.setKeys({ refused: [KEY] });
    const refused = await t.gql(
      `mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 2, maxAttempts: 1) { id } }`,
      {
        e: seeded.experimentId,
      },
    );
    expect(errorCodeOf(refused)).toBe("BAD_USER_INPUT");
    expect(refused.errors![0].message).toContain("refused the key (HTTP 401)");
  });
});
