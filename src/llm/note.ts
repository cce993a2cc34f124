/**
 * The note generator (the system under test). A transcript is walked cycle by cycle (a flat list is
 * one cycle); each cycle asks the model for the full updated list of note items, given the limited
 * chart, the items so far, the cycle's turns and the last `overlapWords` words of earlier cycles.
 */
import type { LlmClients } from "./clients";
import { resolveModelName } from "./clients";
import { addUsage, emptyUsage } from "./cost";
import { LlmError } from "./errors";
import { NOTE_PROMPT_VERSION, NOTE_SYSTEM_PROMPT, renderNoteUserPrompt } from "./prompts/note-v1";
import { callStructured } from "./structured";
import type { GeneratedNote, JsonSchema, ModelSpec, NoteItem, NoteResult, Transcript, Turn } from "./types";
import { NOTE_ITEM_TYPES } from "./types";

export const NOTE_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["items"],
  properties: {
    items: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["type", "text", "supportingWords"],
        properties: {
          type: { type: "string", enum: [...NOTE_ITEM_TYPES] },
          text: { type: "string" },
          supportingWords: { type: "string" },
        },
      },
    },
  },
};

/** The cycles of a transcript in order: a flat list is one cycle; keys sort numerically. */
export function transcriptCycles(transcript: Transcript): Turn[][] {
  if (Array.isArray(transcript)) return [transcript];
  return Object.keys(transcript)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((key) => transcript[key] ?? []);
}

/** The words of turns as the model sees them ("Speaker: text"), whitespace-split. */
export function turnWords(turns: readonly Turn[]): string[] {
  const words: string[] = [];
  for (const turn of turns) {
    for (const w of `${turn.speaker}: ${turn.text}`.split(/\s+/)) if (w) words.push(w);
  }
  return words;
}

/** Notes before grades (default 0) when both wait for one key's limits. */
const NOTE_PRIORITY = 1;

export async function generateNote(
  clients: LlmClients,
  input: { transcript: Transcript; limitedChart: unknown; overlapWords: number; model: ModelSpec; signal?: AbortSignal },
): Promise<NoteResult> {
  const cycles = transcriptCycles(input.transcript);
  const usage = emptyUsage(input.model.vendor, resolveModelName(clients.config, input.model));
  let items: NoteItem[] = [];
  let previousWords: string[] = [];
  for (let i = 0; i < cycles.length; i++) {
    const turns = cycles[i];
    const overlap = input.overlapWords > 0 ? previousWords.slice(-input.overlapWords).join(" ") : "";
    try {
      const result = await callStructured<GeneratedNote>(
        clients,
        input.model,
        {
          system: NOTE_SYSTEM_PROMPT,
          user: renderNoteUserPrompt({
            limitedChart: input.limitedChart,
            itemsSoFar: items,
            previousContext: overlap,
            turns,
            cycleIndex: i,
            cycleCount: cycles.length,
          }),
          schemaName: "clinical_note",
          schemaDescription: "The full updated list of items of the clinical note.",
          schema: NOTE_SCHEMA,
          temperature: 0,
          // A note plans its grades, which may go to other keys: a note waiting for a key's limits
          // goes before the grades waiting there, so that those keys have work (docs/limits.md).
          priority: NOTE_PRIORITY,
        },
        input.signal,
      );
      items = result.value.items;
      addUsage(usage, result.usage);
    } catch (err) {
      if (err instanceof LlmError) {
        err.usage = addUsage({ ...usage }, err.usage);
        err.message = cycles.length > 1 ? `note cycle ${i + 1}/${cycles.length}: ${err.message}` : err.message;
      }
      throw err;
    }
    // keep only what the next overlap can use
    previousWords = previousWords.concat(turnWords(turns));
    if (previousWords.length > input.overlapWords) previousWords = previousWords.slice(-Math.max(input.overlapWords, 0));
  }
  return { note: { items }, usage, promptVersion: NOTE_PROMPT_VERSION, cycles: cycles.length };
}
