/**
 * The grader: a rubric (criteria numbered 0..n-1 in order) and a note in, one satisfaction per
 * criterion out, scored here rather than by the model.
 */
import type { LlmClients } from "./clients";
import { GRADE_PROMPT_VERSION, GRADE_SYSTEM_PROMPT, renderGradeUserPrompt } from "./prompts/grade-v2";
import { callStructured } from "./structured";
import type { Criterion, CriterionScore, GradeResult, JsonSchema, ModelSpec } from "./types";

/**
 * Temperature of chat graders. Reasoning graders, and models that refuse a temperature, send none and
 * run at the vendors' default 1.
 */
export const CHAT_GRADER_TEMPERATURE = 0;
export const REASONING_TEMPERATURE = 1;

export function gradeSchema(n: number): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: ["scores"],
    properties: {
      scores: {
        type: "array",
        minItems: n,
        maxItems: n,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "rationale", "satisfaction"],
          properties: {
            id: { type: "integer", minimum: 0, maximum: Math.max(n - 1, 0) },
            rationale: { type: "string" },
            satisfaction: { type: "integer", minimum: 0, maximum: 100 },
          },
        },
      },
    },
  };
}

export interface GraderAnswer {
  id: number;
  rationale: string;
  satisfaction: number;
}

function round2(x: number): number {
  const r = Math.round(x * 100) / 100;
  return r === 0 ? 0 : r; // no -0 in results
}

/** Ids must be 0..n-1 in order, so scores line up with the rubric. */
export function checkIdsInOrder(value: unknown): string | null {
  const scores = (value as { scores: GraderAnswer[] }).scores;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i].id !== i) return `at $.scores[${i}].id: expected id ${i} (criteria in the given order), got ${scores[i].id}`;
  }
  return null;
}

/**
 * Satisfaction is how well the note meets the criterion (for a negative one, 100 = fault absent).
 * Positive criteria score weight × satisfaction / 100, negative ones −weight × (100 − satisfaction) / 100,
 * each rounded to 2 decimals; the overall score is their sum, rounded to 2 decimals.
 */
export function scoreCriteria(
  rubric: Criterion[],
  answers: GraderAnswer[],
): { scoringResult: CriterionScore[]; overallScore: number } {
  if (answers.length !== rubric.length) throw new Error(`expected ${rubric.length} answers, got ${answers.length}`);
  let total = 0;
  const scoringResult = answers.map((a, i) => {
    const c = rubric[i];
    const score = round2(c.sense === "negative" ? (-c.weight * (100 - a.satisfaction)) / 100 : (c.weight * a.satisfaction) / 100);
    total += score;
    return { id: a.id, rationale: a.rationale, satisfaction: a.satisfaction, score };
  });
  return { scoringResult, overallScore: round2(total) };
}

export async function gradeNote(
  clients: LlmClients,
  input: { rubric: Criterion[]; note: unknown; model: ModelSpec; signal?: AbortSignal },
): Promise<GradeResult> {
  const n = input.rubric.length;
  const result = await callStructured<{ scores: GraderAnswer[] }>(
    clients,
    input.model,
    {
      system: GRADE_SYSTEM_PROMPT,
      user: renderGradeUserPrompt(input.rubric, input.note),
      schemaName: "rubric_grades",
      schemaDescription: `One grade per rubric criterion, exactly ${n}, ids 0 to ${n - 1} in order.`,
      schema: gradeSchema(n),
      temperature: CHAT_GRADER_TEMPERATURE,
      check: checkIdsInOrder,
    },
    input.signal,
  );
  const { scoringResult, overallScore } = scoreCriteria(input.rubric, result.value.scores);
  return {
    scoringResult,
    overallScore,
    usage: result.usage,
    promptVersion: GRADE_PROMPT_VERSION,
    temperature: result.temperature ?? REASONING_TEMPERATURE,
  };
}
