import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import type { FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients } from "../src/llm";
import { validateSchema } from "../src/llm/schema";
import { gradeSchema } from "../src/llm/grade";
import { SECRET_KEY, specFor, testLlmConfig } from "./support/fake-llm";

const schema = gradeSchema(3);
const prompt = "Grade this note about metformin five hundred milligrams twice daily with meals.";

let server: FakeLlmServer;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 5 });
  openai = new OpenAI({ apiKey: SECRET_KEY, baseURL: server.openaiBaseUrl, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: SECRET_KEY, baseURL: server.anthropicBaseUrl, maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function openaiAsk(stream: boolean, model = "fake-chat") {
  const params = {
    model,
    messages: [{ role: "user" as const, content: prompt }],
    response_format: { type: "json_schema" as const, json_schema: { name: "grades", schema, strict: true } },
  };
  return stream
    ? openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } })
    : openai.chat.completions.create(params);
}

describe("the fake LLM server", () => {
  it("streams an OpenAI answer that the SDK parses and that fits the requested schema", async () => {
    const stream = await openai.chat.completions.create({
      model: "fake-chat",
      messages: [{ role: "user", content: prompt }],
      response_format: { type: "json_schema", json_schema: { name: "grades", schema, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    const value = JSON.parse(text);
    expect(validateSchema(schema, value)).toBeNull();
    expect(value.scores.map((s: { id: number }) => s.id)).toEqual([0, 1, 2]);
    expect(usage!.prompt_tokens).toBeGreaterThan(10);
    expect(server.requests[0]).toMatchObject({ vendor: "openai", stream: true, status: 200, model: "fake-chat" });
    // the same request body gets the same answer
    const again = (await openaiAsk(false)) as OpenAI.ChatCompletion;
    expect((await openaiAsk(false)) as OpenAI.ChatCompletion).toMatchObject({
      choices: [{ message: { content: again.choices[0].message.content } }],
    });
  });

  it("streams an Anthropic tool_use answer that the SDK assembles", async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: "fake-chat",
      max_tokens: 1000,
      messages: [{ role: "user", content: prompt }],
      tools: [{ name: "grades", input_schema: schema as Anthropic.Tool.InputSchema }],
      tool_choice: { type: "tool", name: "grades" },
    };
    const final = await anthropic.messages.stream(params).finalMessage();
    const block = final.content.find((b) => b.type === "tool_use");
    expect(block).toBeDefined();
    expect(validateSchema(schema, (block as Anthropic.ToolUseBlock).input)).toBeNull();
    expect(final.usage.input_tokens).toBeGreaterThan(10);
    expect(final.stop_reason).toBe("tool_use");
    const plain = await anthropic.messages.create(params);
    expect(validateSchema(schema, (plain.content[0] as Anthropic.ToolUseBlock).input)).toBeNull();
    // a request without tools gets text built from the prompt's words
    const text = await anthropic.messages
      .stream({ model: "fake-chat", max_tokens: 100, messages: [{ role: "user", content: prompt }] })
      .finalText();
    expect(text).toContain("metformin");
    expect(server.requestCount({ vendor: "anthropic" })).toBe(3);
    expect(server.requests.map((r) => r.stream)).toEqual([true, false, true]);
  });

  it("varies answers with the seed, deterministically", async () => {
    const a = (await openaiAsk(false)) as OpenAI.ChatCompletion;
    const other = await makeFakeLlmServer({ seed: 6 });
    try {
      const client = new OpenAI({ apiKey: "k", baseURL: other.openaiBaseUrl, maxRetries: 0 });
      const params = {
        model: "fake-chat",
        messages: [{ role: "user" as const, content: prompt }],
        response_format: { type: "json_schema" as const, json_schema: { name: "grades", schema, strict: true } },
      };
      const b = await client.chat.completions.create(params);
      expect(b.choices[0].message.content).not.toEqual(a.choices[0].message.content);
    } finally {
      await other.close();
    }
  });

  it("faults every k-th matching request, and only `times` of them", async () => {
    server.addFault({ match: { model: "flaky-model" }, fault: "500", every: 2 });
    server.addFault({ match: { model: "twice-model" }, fault: "429", times: 2 });
    const statuses = async (model: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++)
        out.push(
          await openaiAsk(false, model).then(
            () => 200,
            (e: { status: number }) => e.status,
          ),
        );
      return out;
    };
    expect(await statuses("flaky-model", 5)).toEqual([200, 500, 200, 500, 200]);
    expect(await statuses("twice-model", 4)).toEqual([429, 429, 200, 200]);
    expect(await statuses("steady-model", 2)).toEqual([200, 200]);
    expect(server.requestCount({ status: 500 })).toBe(2);
  });

  it("is controlled over HTTP from another process", async () => {
    expect((await admin("POST", "/__admin/faults", { match: { vendor: "openai" }, fault: "529", times: 1 })).json).toEqual({
      ok: true,
      rules: 1,
    });
    expect((await admin("POST", "/__admin/faults", { fault: "nope" })).status).toBe(400);
    await expect(openaiAsk(false)).rejects.toMatchObject({ status: 529 });
    await admin("POST", "/__admin/scripted", { match: { vendor: "openai" }, content: { scores: [] }, times: 1 });
    const scripted = (await openaiAsk(false)) as OpenAI.ChatCompletion;
    expect(scripted.choices[0].message.content).toBe('{"scores":[]}');

    const listed = await admin("GET", "/__admin/requests?vendor=openai");
    expect(listed.json.count).toBe(2);
    expect(listed.json.requests.map((r: { status: number }) => r.status)).toEqual([529, 200]);
    expect(listed.json.requests[0].body).toBeUndefined();
    const withBodies = await admin("GET", "/__admin/requests?bodies=1");
    expect(withBodies.json.requests[0].body.model).toBe("fake-chat");

    await admin("POST", "/__admin/latency", { ms: 120 });
    const started = Date.now();
    await openaiAsk(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect((await admin("GET", "/__admin/stats")).json.total).toBe(3);

    await admin("POST", "/__admin/faults", { fault: "500" });
    expect((await admin("DELETE", "/__admin/faults")).json).toEqual({ ok: true });
    await openaiAsk(false);
    expect((await admin("POST", "/__admin/reset")).json).toEqual({ ok: true });
    expect(server.requestCount()).toBe(0);
    expect((await admin("GET", "/__admin/nothing")).status).toBe(404);
  });

  it("answers many concurrent calls through the LLM layer, each counted once on both sides", async () => {
    // Throughput is the benchmark's business (npm run bench); here only correctness under load,
    // with a timeout generous enough for a busy CI machine.
    const clients = makeLlmClients(testLlmConfig({ LLM_REQUEST_TIMEOUT_MS: "30000" }));
    const rubric = [
      { criterion: "a", weight: 10, sense: "positive" as const },
      { criterion: "b", weight: 5, sense: "negative" as const },
    ];
    const n = 500;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        gradeNote(clients, { rubric, note: { text: `note ${i}` }, model: specFor(server, i % 2 ? "openai" : "anthropic") }),
      ),
    );
    expect(results).toHaveLength(n);
    // a rare keep-alive reset under this load is retried by the layer, and counted on both sides
    expect(server.requestCount({ status: 200 })).toBe(n);
    expect(results.reduce((sum, r) => sum + r.usage.requests, 0)).toBe(server.requestCount());
  });
});
