import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../src/config";
import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import type { FakeLlmServer } from "../src/dev/fake-llm/server";
import { NOTE_PROMPT_VERSION, generateNote, makeLlmClients, resolveModelName } from "../src/llm";
import type { Transcript, Turn } from "../src/llm";
import { BOTH_VENDORS, SECRET_KEY, bodyText, specFor, testLlmConfig } from "./support/fake-llm";

const caseDir = path.join(loadConfig().sharedDataDir, "med-management", "Patient_1");
const transcript = JSON.parse(fs.readFileSync(path.join(caseDir, "transcript.json"), "utf8")) as Turn[];
const limitedChart = JSON.parse(fs.readFileSync(path.join(caseDir, "limited_chart.json"), "utf8")) as unknown;

let server: FakeLlmServer;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 7 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** The user message of a logged request, whichever vendor. */
function userMessage(i: number): string {
  const messages = server.requests[i].body!.messages as { role: string; content: string }[];
  return messages.filter((m) => m.role === "user")[0].content;
}

describe.each(BOTH_VENDORS)("generateNote through the %s SDK", (vendor) => {
  it("walks the cycles in order, passing the items so far and the last overlap words of earlier cycles", async () => {
    const cycles: Transcript = {
      cycle_001: transcript.slice(0, 3),
      cycle_002: [{ speaker: "Patient", text: "Yes, exactly." }],
      cycle_003: transcript.slice(3),
    };
    server.addScriptedAnswer({
      match: { bodyIncludes: "cycle 1 of 3" },
      content: { items: [{ type: "allergy", text: "Shellfish allergy, no cross-reaction", supportingWords: "shellfish" }] },
    });
    const clients = makeLlmClients(testLlmConfig());
    const result = await generateNote(clients, {
      transcript: cycles,
      limitedChart,
      overlapWords: 6,
      model: specFor(server, vendor),
    });

    expect(result.cycles).toBe(3);
    expect(result.promptVersion).toBe(NOTE_PROMPT_VERSION);
    expect(server.requestCount({ vendor })).toBe(3);
    expect(result.usage.requests).toBe(3);
    // the first cycle has no context; the chart is always there
    expect(userMessage(0)).toContain("(none: this is the first cycle)");
    expect(userMessage(0)).toContain("Atovaquone-proguanil 250 mg");
    // cycle 2 sees the last 6 words of cycle 1 ("Speaker: text" words), and cycle 1's items
    const lastOfCycle1 = "Ghana. No dose change at all.";
    expect(transcript[2].text.endsWith(lastOfCycle1)).toBe(true);
    expect(userMessage(1)).toContain(`## End of the previous cycles (context only)\n${lastOfCycle1}\n`);
    expect(userMessage(1)).toContain("Shellfish allergy, no cross-reaction");
    // cycle 3's context spans cycles 1 and 2: 3 words of cycle 1, then all 3 words of cycle 2
    expect(userMessage(2)).toContain("## End of the previous cycles (context only)\nchange at all. Patient: Yes, exactly.\n");
    expect(result.note.items.length).toBeGreaterThan(0);
    for (const item of result.note.items) expect(typeof item.text).toBe("string");
  });

  it("treats a flat transcript as one cycle and sums tokens and cost over the cycles", async () => {
    const clients = makeLlmClients(testLlmConfig());
    const flat = await generateNote(clients, { transcript, limitedChart, overlapWords: 100, model: specFor(server, vendor) });
    expect(flat.cycles).toBe(1);
    expect(server.requestCount()).toBe(1);
    expect(userMessage(0)).toContain(transcript[transcript.length - 1].text);

    server.reset();
    const twoCycles = await generateNote(clients, {
      transcript: { a: transcript.slice(0, 4), b: transcript.slice(4) },
      limitedChart,
      overlapWords: 0,
      model: specFor(server, vendor),
    });
    expect(userMessage(1)).toContain("(none: this is the first cycle)"); // overlap 0 = no context
    // the fake server counts ceil(chars / 4) of the request body as input tokens
    const expectedInput = server.requests.reduce((sum, r) => sum + Math.ceil(bodyText(r.body).length / 4), 0);
    const { usage } = twoCycles;
    expect(usage.inputTokens).toBe(expectedInput);
    expect(usage.outputTokens).toBeGreaterThan(0);
    // fake-chat costs $2 / $8 per million tokens in the test config
    expect(usage.costUsd).toBeCloseTo((usage.inputTokens * 2 + usage.outputTokens * 8) / 1e6, 12);
    expect(usage).toMatchObject({ requests: 2, model: "fake-chat", vendor });
    expect(usage.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("fills an empty model name with the vendor's default and prices it", async () => {
    const config = testLlmConfig();
    const clients = makeLlmClients(config);
    const spec = specFor(server, vendor, "");
    const expectedModel = config.defaults[vendor].chat;
    expect(resolveModelName(config, spec)).toBe(expectedModel);
    expect(resolveModelName(config, { ...spec, reasoning: true })).toBe(config.defaults[vendor].reasoning);
    const result = await generateNote(clients, { transcript, limitedChart, overlapWords: 0, model: spec });
    expect(server.requests[0].model).toBe(expectedModel);
    expect(result.usage.model).toBe(expectedModel);
    const price = config.prices[expectedModel];
    expect(result.usage.costUsd).toBeCloseTo(
      (result.usage.inputTokens * price.input + result.usage.outputTokens * price.output) / 1e6,
      12,
    );
    expect(result.usage.costUsd).toBeGreaterThan(0);
    // a model without a price: its cost is unknown (null), never 0
    server.reset();
    const unknown = await generateNote(clients, {
      transcript,
      limitedChart,
      overlapWords: 0,
      model: specFor(server, vendor, "no-price-model"),
    });
    expect(unknown.usage.costUsd).toBeNull();
    expect(unknown.usage.inputTokens).toBeGreaterThan(0);
  });

  it("answers the same request with the same note (deterministic fake) and sends the key only as a header", async () => {
    const clients = makeLlmClients(testLlmConfig());
    const input = { transcript, limitedChart, overlapWords: 0, model: specFor(server, vendor) };
    const first = await generateNote(clients, input);
    const second = await generateNote(clients, input);
    expect(second.note).toEqual(first.note);
    expect(bodyText(server.requests[0].body)).not.toContain(SECRET_KEY);
  });
});
