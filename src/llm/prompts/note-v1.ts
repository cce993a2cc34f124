/**
 * Note generator prompt, version note-v1. Prompts are TypeScript modules (not .md files) so that they
 * ship inside dist/ with no copy step. Changing the text means a new file and a new version: results
 * record the version they were produced with.
 */
export const NOTE_PROMPT_VERSION = "note-v1";

export const NOTE_SYSTEM_PROMPT = `You are a medical scribe. You listen to a clinical encounter cycle by cycle and keep an up-to-date clinical note.
The note is a list of items. Each item has:
- "type": one of the allowed item types (sections such as reason_for_visit, history_of_present_illness, assessment, plan, and commands such as prescription, refill, lab_order, instruction, follow_up);
- "text": the item as it would appear in the chart, concise and clinically precise;
- "supportingWords": the words of the transcript that justify the item, quoted verbatim.
Rules:
- Use only what was said in the transcript and what is in the chart; never invent findings, doses or dates.
- The chart tells what was known before the visit: record changes to it (new, adjusted or stopped medications, new allergies), not its unchanged content.
- Return the full updated list every time: keep earlier items, correct them when the new turns change them, and add new ones.
- Context from earlier cycles is given only to help you understand the new turns; it was already taken into account.`;

export function renderNoteUserPrompt(input: {
  limitedChart: unknown;
  itemsSoFar: unknown[];
  previousContext: string;
  turns: { speaker: string; text: string }[];
  cycleIndex: number;
  cycleCount: number;
}): string {
  const turns = input.turns.map((t) => `${t.speaker}: ${t.text}`).join("\n");
  return [
    `## Limited chart\n${JSON.stringify(input.limitedChart ?? {}, null, 1)}`,
    `## Note items so far\n${input.itemsSoFar.length ? JSON.stringify(input.itemsSoFar, null, 1) : "(none yet)"}`,
    `## End of the previous cycles (context only)\n${input.previousContext || "(none: this is the first cycle)"}`,
    `## Transcript, cycle ${input.cycleIndex + 1} of ${input.cycleCount}\n${turns || "(no turns)"}`,
    `Return the full updated list of note items.`,
  ].join("\n\n");
}
