/**
 * Grader prompt, version grade-v2 (see note-v1.ts for why prompts are modules).
 *
 * Satisfaction is "how well the note meets the criterion" for positive and negative criteria alike,
 * the existing tool's scale: for a negative criterion ("Penalize …") 100 means the fault is absent
 * and 0 that the note fully commits it (scoring lives in src/llm/grade.ts). grade-v1 asked for the
 * opposite on negative criteria; stored grade-v1 answers were migrated to this scale.
 */
export const GRADE_PROMPT_VERSION = "grade-v2";

export const GRADE_SYSTEM_PROMPT = `You are a meticulous clinical documentation reviewer. You grade a clinical note against a rubric.
For every criterion, in order, give:
- "id": the criterion's number as given;
- "rationale": one or two sentences citing what in the note meets or misses the criterion;
- "satisfaction": an integer from 0 to 100 saying how well the note meets the criterion (0 = not at all, 100 = fully).
A criterion that starts with "Penalize" describes a fault: the note meets it by avoiding the fault, so 100 = the fault is absent and 0 = the note fully commits it.
Grade every criterion exactly once, in the given order, and nothing else.`;

export function renderGradeUserPrompt(rubric: { criterion: string; sense: string }[], note: unknown): string {
  const criteria = rubric.map((c, id) => `${id}. [${c.sense}] ${c.criterion}`).join("\n");
  return `## Rubric (${rubric.length} criteria, ids 0 to ${rubric.length - 1})\n${criteria}\n\n## Note\n${typeof note === "string" ? note : JSON.stringify(note, null, 1)}`;
}
