/**
 * Grader prompt, version grade-v1 (see note-v1.ts for why prompts are modules).
 *
 * Satisfaction is "how far the criterion's statement holds for the note", for positive and negative
 * criteria alike, so a note that fully commits a negative criterion's fault gets satisfaction 100
 * and the full negative weight (scoring lives in src/llm/grade.ts).
 */
export const GRADE_PROMPT_VERSION = "grade-v1";

export const GRADE_SYSTEM_PROMPT = `You are a meticulous clinical documentation reviewer. You grade a clinical note against a rubric.
For every criterion, in order, give:
- "id": the criterion's number as given;
- "rationale": one or two sentences citing what in the note meets or misses the criterion;
- "satisfaction": an integer from 0 to 100 saying how far the criterion's statement is true of the note (0 = not at all, 100 = fully).
A criterion that starts with "Penalize" describes a fault: its satisfaction says how far the note commits that fault.
Grade every criterion exactly once, in the given order, and nothing else.`;

export function renderGradeUserPrompt(rubric: { criterion: string; sense: string }[], note: unknown): string {
  const criteria = rubric.map((c, id) => `${id}. [${c.sense}] ${c.criterion}`).join("\n");
  return `## Rubric (${rubric.length} criteria, ids 0 to ${rubric.length - 1})\n${criteria}\n\n## Note\n${typeof note === "string" ? note : JSON.stringify(note, null, 1)}`;
}
