import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import type { FakeLlmServer } from "../src/dev/fake-llm/server";
import { generateNote, makeLlmClients } from "../src/llm";
import { validateSchema } from "../src/llm/schema";
import { NOTE_SCHEMA } from "../src/llm/note";
import { BOTH_VENDORS, bodyText, rejectionOf, specFor, testLlmConfig } from "./support/fake-llm";

const transcript = [
  { speaker: "Clinician", text: "Keep taking the lisinopril ten milligrams every morning." },
  { speaker: "Patient", text: "Okay, and I need a refill before Friday." },
];

let server: FakeLlmServer;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 11 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function generate(vendor: "openai" | "anthropic", env: Record<string, string> = {}) {
  return generateNote(makeLlmClients(testLlmConfig(env)), {
    transcript,
    limitedChart: {},
    overlapWords: 0,
    model: specFor(server, vendor),
  });
}

describe.each(BOTH_VENDORS)("structured output through the %s SDK", (vendor) => {
  it("repairs a malformed answer on the next try, feeding the error back", async () => {
    server.addFault({ match: { vendor }, fault: "malformed_json", times: 1 });
    const result = await generate(vendor);
    expect(validateSchema(NOTE_SCHEMA, result.note)).toBeNull();
    expect(result.usage.requests).toBe(2);
    const repair = bodyText(server.requests[1].body);
    expect(repair).toContain("Your answer was rejected: the answer is not valid JSON");
    expect(bodyText(server.requests[0].body)).not.toContain("was rejected");
    // the bad answer's tokens count too
    expect(result.usage.inputTokens).toBe(server.requests.reduce((n, r) => n + Math.ceil(bodyText(r.body).length / 4), 0));
  });

  it("repairs an answer that breaks the schema", async () => {
    server.addFault({ match: { vendor }, fault: "schema_violation", times: 1 });
    const result = await generate(vendor);
    expect(result.usage.requests).toBe(2);
    expect(bodyText(server.requests[1].body)).toContain('missing required property \\"items\\"');
  });

  it("gives up with invalid_output after structuredOutputTries tries, keeping what was spent", async () => {
    server.addFault({ match: { vendor }, fault: "malformed_json" });
    const err = await rejectionOf(generate(vendor, { LLM_STRUCTURED_OUTPUT_TRIES: "3" }));
    expect(err.kind).toBe("invalid_output");
    expect(err.usage.requests).toBe(3);
    expect(server.requestCount()).toBe(3);
    expect(err.usage.inputTokens).toBeGreaterThan(0);
    expect(err.usage.costUsd).toBeCloseTo((err.usage.inputTokens * 2 + err.usage.outputTokens * 8) / 1e6, 12);
    expect(err.message).toContain("no valid answer after 3 tries");
    // each repair try carries every earlier bad answer and error
    expect(bodyText(server.requests[2].body).match(/was rejected/g)).toHaveLength(2);
  });

  it("counts transport retries and repair tries together", async () => {
    server.addFault({ match: { vendor }, fault: "500", times: 1 });
    server.addFault({ match: { vendor, bodyIncludes: "lisinopril" }, fault: "schema_violation", times: 1 });
    const result = await generate(vendor);
    expect(server.requests.map((r) => r.fault)).toEqual(["500", "schema_violation", null]);
    expect(result.usage.requests).toBe(3);
  });
});

describe("validateSchema", () => {
  const schema = {
    type: "object",
    additionalProperties: false,
    required: ["scores"],
    properties: {
      scores: {
        type: "array",
        minItems: 2,
        maxItems: 2,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "satisfaction"],
          properties: {
            id: { type: "integer" },
            satisfaction: { type: "integer", minimum: 0, maximum: 100 },
            kind: { type: "string", enum: ["a", "b"] },
          },
        },
      },
    },
  };
  const ok = {
    scores: [
      { id: 0, satisfaction: 0 },
      { id: 1, satisfaction: 100, kind: "a" },
    ],
  };

  it("accepts a fitting value and names the first violation otherwise", () => {
    expect(validateSchema(schema, ok)).toBeNull();
    expect(validateSchema(schema, [])).toBe("at $: expected an object, got array");
    expect(validateSchema(schema, { scores: [ok.scores[0]] })).toBe("at $.scores: expected at least 2 items, got 1");
    expect(validateSchema(schema, { scores: [...ok.scores, ok.scores[0]] })).toBe("at $.scores: expected at most 2 items, got 3");
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1, satisfaction: 101 }] })).toBe(
      "at $.scores[1].satisfaction: 101 is above the maximum 100",
    );
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1, satisfaction: -1 }] })).toBe(
      "at $.scores[1].satisfaction: -1 is below the minimum 0",
    );
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1.5, satisfaction: 1 }] })).toBe(
      "at $.scores[1].id: expected an integer, got 1.5",
    );
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1 }] })).toBe(
      'at $.scores[1]: missing required property "satisfaction"',
    );
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1, satisfaction: 1, x: 1 }] })).toBe(
      'at $.scores[1]: unexpected property "x"',
    );
    expect(validateSchema(schema, { scores: [ok.scores[0], { id: 1, satisfaction: 1, kind: "c" }] })).toBe(
      'at $.scores[1].kind: "c" is not one of "a", "b"',
    );
    expect(validateSchema(schema, { ...ok, extra: true })).toBe('at $: unexpected property "extra"');
  });
});
