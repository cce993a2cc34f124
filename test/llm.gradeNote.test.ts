import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../src/config";
import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import type { FakeLlmServer } from "../src/dev/fake-llm/server";
import { GRADE_PROMPT_VERSION, gradeNote, makeLlmClients, scoreCriteria } from "../src/llm";
import type { Criterion } from "../src/llm";
import { BOTH_VENDORS, bodyText, rejectionOf, specFor, testLlmConfig } from "./support/fake-llm";

const caseDir = path.join(loadConfig().sharedDataDir, "med-management", "Patient_1");
const rubric = JSON.parse(fs.readFileSync(path.join(caseDir, "rubric.json"), "utf8")) as Criterion[];
const note = JSON.parse(fs.readFileSync(path.join(caseDir, "note.json"), "utf8")) as unknown;

// Patient_1's rubric: weights 20 10 10 15 5 10 10 10 30 (positive), 25 20 15 (negative)
const satisfactions = [100, 50, 0, 70, 33, 100, 100, 50, 20, 20, 10, 0];
// negative criteria: satisfaction 100 = fault absent, score −weight × (100 − satisfaction) / 100
const expectedScores = [20, 5, 0, 10.5, 1.65, 10, 10, 5, 6, -20, -18, -15];
const expectedOverall = 15.15; // 68.15 positive − 53 negative

function scripted(ids = satisfactions.map((_, i) => i)) {
  return { scores: ids.map((id, i) => ({ id, rationale: `criterion ${id} reviewed`, satisfaction: satisfactions[i] })) };
}

let server: FakeLlmServer;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 3 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe("scoreCriteria", () => {
  it("scores positive criteria up and negative ones down, rounded to cents", () => {
    expect(rubric.map((c) => `${c.weight}${c.sense[0]}`).join(" ")).toBe("20p 10p 10p 15p 5p 10p 10p 10p 30p 25n 20n 15n");
    const { scoringResult, overallScore } = scoreCriteria(rubric, scripted().scores);
    expect(scoringResult.map((s) => s.score)).toEqual(expectedScores);
    expect(overallScore).toBe(expectedOverall);
    // the existing tool's example: satisfaction 20 on a weight-25 penalty gives −20
    expect(scoringResult[9]).toMatchObject({ satisfaction: 20, score: -20 });
  });

  it("scores a penalty whose fault is absent (satisfaction 100) as 0, not −0", () => {
    const r = scoreCriteria(
      [{ criterion: "Penalize x", weight: 15, sense: "negative" }],
      [{ id: 0, rationale: "", satisfaction: 100 }],
    );
    expect(Object.is(r.scoringResult[0].score, 0)).toBe(true);
    expect(Object.is(r.overallScore, 0)).toBe(true);
  });

  it("rounds each score before summing", () => {
    const c: Criterion[] = [
      { criterion: "a", weight: 7, sense: "positive" },
      { criterion: "b", weight: 7, sense: "negative" },
      { criterion: "c", weight: 3, sense: "positive" },
    ];
    const r = scoreCriteria(c, [
      { id: 0, rationale: "", satisfaction: 33 }, // 2.31
      { id: 1, rationale: "", satisfaction: 33 }, // −7 × 67 / 100 = −4.69
      { id: 2, rationale: "", satisfaction: 55 }, // 1.65
    ]);
    expect(r.scoringResult.map((s) => s.score)).toEqual([2.31, -4.69, 1.65]);
    expect(r.overallScore).toBe(-0.73);
  });
});

describe.each(BOTH_VENDORS)("gradeNote through the %s SDK", (vendor) => {
  it("grades Patient_1's note against its rubric with hand-computed scores", async () => {
    server.addScriptedAnswer({ match: { vendor }, content: scripted() });
    const clients = makeLlmClients(testLlmConfig());
    const result = await gradeNote(clients, { rubric, note, model: specFor(server, vendor) });
    expect(result.scoringResult.map((s) => s.score)).toEqual(expectedScores);
    expect(result.scoringResult.map((s) => s.satisfaction)).toEqual(satisfactions);
    expect(result.scoringResult[3]).toEqual({ id: 3, rationale: "criterion 3 reviewed", satisfaction: 70, score: 10.5 });
    expect(result.overallScore).toBe(expectedOverall);
    expect(result.promptVersion).toBe(GRADE_PROMPT_VERSION);
    expect(result.temperature).toBe(0);
    expect(result.usage.requests).toBe(1);
    // the request pins exactly 12 answers, numbers the criteria and sends temperature 0
    const body = server.requests[0].body!;
    const text = bodyText(body);
    expect(text).toContain('"minItems":12,"maxItems":12');
    expect(text).toContain("11. [negative] Penalize for copying irrelevant");
    expect(body.temperature).toBe(0);
    if (vendor === "openai") {
      expect(body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "rubric_grades", strict: true } });
      expect(body.reasoning_effort).toBeUndefined();
    } else {
      expect(body.tool_choice).toEqual({ type: "tool", name: "rubric_grades" });
      expect(body.thinking).toBeUndefined();
    }
  });

  it("turns on the vendor's reasoning options for a reasoning grader and still validates the answer", async () => {
    const clients = makeLlmClients(testLlmConfig());
    const result = await gradeNote(clients, {
      rubric,
      note,
      model: specFor(server, vendor, "fake-reasoning", { reasoning: true }),
    });
    expect(result.scoringResult).toHaveLength(12);
    result.scoringResult.forEach((s, i) => {
      expect(s.id).toBe(i);
      expect(Number.isInteger(s.satisfaction) && s.satisfaction >= 0 && s.satisfaction <= 100).toBe(true);
    });
    expect(result.temperature).toBe(1);
    const body = server.requests[0].body!;
    expect(body.temperature).toBeUndefined();
    if (vendor === "openai") expect(body.reasoning_effort).toBe("medium");
    else {
      expect(body.thinking).toMatchObject({ type: "enabled" });
      expect((body.thinking as { budget_tokens: number }).budget_tokens).toBeLessThan(body.max_tokens as number);
      expect(body.tool_choice).toEqual({ type: "auto" });
    }
    // fake-reasoning costs $10 / $40 per million tokens
    expect(result.usage.costUsd).toBeCloseTo((result.usage.inputTokens * 10 + result.usage.outputTokens * 40) / 1e6, 12);
  });

  it("asks again when the ids are out of order, quoting the problem", async () => {
    const reversed = satisfactions.map((_, i) => 11 - i);
    server.addScriptedAnswer({ match: { vendor }, content: scripted(reversed), times: 1 });
    server.addScriptedAnswer({ match: { vendor }, content: scripted() });
    const clients = makeLlmClients(testLlmConfig());
    const result = await gradeNote(clients, { rubric, note, model: specFor(server, vendor) });
    expect(result.overallScore).toBe(expectedOverall);
    expect(result.usage.requests).toBe(2);
    expect(bodyText(server.requests[1].body)).toContain("expected id 0 (criteria in the given order), got 11");
  });

  it("rejects an answer with the wrong number of criteria, and gives up after the configured tries", async () => {
    server.addScriptedAnswer({ match: { vendor }, content: { scores: scripted().scores.slice(0, 11) } });
    const clients = makeLlmClients(testLlmConfig({ LLM_STRUCTURED_OUTPUT_TRIES: "2" }));
    const err = await rejectionOf(gradeNote(clients, { rubric, note, model: specFor(server, vendor) }));
    expect(err.kind).toBe("invalid_output");
    expect(err.usage.requests).toBe(2);
    expect(err.message).toContain("expected at least 12 items, got 11");
    expect(bodyText(server.requests[1].body)).toContain("expected at least 12 items, got 11");
  });
});
