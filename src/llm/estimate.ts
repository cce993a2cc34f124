/**
 * Tokens a job will spend, estimated from the sizes of its inputs before any call (plain numbers
 * in and out: the services and the runner turn jobs into sizes). Lengths are JSON characters; a
 * token is CHARS_PER_TOKEN characters, the rule of thumb the adaptive limiter uses too.
 *
 * - A note job sends, per transcript cycle, the prompt template (system prompt, user prompt
 *   headings, the output schema) and the limited chart, and the transcript once over all cycles.
 *   It writes a note of NOTE_OUTPUT_SHARE of the transcript's tokens (low, high).
 * - A grade job sends the grading template, the rubric and the note (the stored note when it
 *   exists, else the note estimate), and writes GRADE_OUTPUT_PER_CRITERION tokens per criterion;
 *   a reasoning grader's thinking is billed as output: up to REASONING_OUTPUT_FACTOR times more.
 *
 * What this leaves out (items re-sent each cycle, the overlap context, repair tries, retries) is
 * what calibration by finished jobs corrects (src/services/estimate.ts).
 */
import { gradeSchema } from "./grade";
import { NOTE_SCHEMA } from "./note";
import { GRADE_SYSTEM_PROMPT, renderGradeUserPrompt } from "./prompts/grade-v2";
import { NOTE_SYSTEM_PROMPT, renderNoteUserPrompt } from "./prompts/note-v1";

export const CHARS_PER_TOKEN = 4;

export interface Range {
  low: number;
  high: number;
}

export interface TokenEstimate {
  input: Range;
  output: Range;
}

/** A note is this share of its transcript's tokens: a summary, longer when the encounter has many orders. */
export const NOTE_OUTPUT_SHARE: Range = { low: 0.1, high: 0.5 };
/** A grader's answer per criterion: the id, a rationale of a sentence or a paragraph, the satisfaction. */
export const GRADE_OUTPUT_PER_CRITERION: Range = { low: 30, high: 150 };
/** A reasoning grader's output (its thinking is billed as output tokens) is up to this many times a chat grader's. */
export const REASONING_OUTPUT_FACTOR = 4;

/** The note prompt with empty inputs (system, user headings and placeholders, output schema): sent once per cycle. */
export const NOTE_TEMPLATE_CHARS =
  NOTE_SYSTEM_PROMPT.length +
  renderNoteUserPrompt({ limitedChart: {}, itemsSoFar: [], previousContext: "", turns: [], cycleIndex: 0, cycleCount: 1 })
    .length +
  JSON.stringify(NOTE_SCHEMA).length;

/** The grading prompt with an empty rubric and note, and its output schema. */
export const GRADE_TEMPLATE_CHARS =
  GRADE_SYSTEM_PROMPT.length + renderGradeUserPrompt([], "").length + JSON.stringify(gradeSchema(1)).length;

export interface NoteSizes {
  /** JSON length of the transcript. */
  transcriptChars: number;
  /** JSON length of the limited chart. */
  chartChars: number;
  cycles: number;
}

export interface GradeSizes {
  /** JSON length of the rubric's criteria. */
  rubricChars: number;
  criteria: number;
  /** JSON length of the stored note; null while the note is not written yet (the note estimate stands in). */
  noteChars: number | null;
  /** The note's own estimate, used when noteChars is null. */
  noteOutput: Range;
  reasoning: boolean;
}

const tokens = (chars: number) => chars / CHARS_PER_TOKEN;

export function estimateNoteTokens(s: NoteSizes): TokenEstimate {
  const input = tokens(s.cycles * (NOTE_TEMPLATE_CHARS + s.chartChars) + s.transcriptChars);
  const transcript = tokens(s.transcriptChars);
  return {
    input: { low: input, high: input },
    output: { low: transcript * NOTE_OUTPUT_SHARE.low, high: transcript * NOTE_OUTPUT_SHARE.high },
  };
}

export function estimateGradeTokens(s: GradeSizes): TokenEstimate {
  const fixed = tokens(GRADE_TEMPLATE_CHARS + s.rubricChars);
  const note = s.noteChars === null ? s.noteOutput : { low: tokens(s.noteChars), high: tokens(s.noteChars) };
  const thinking = s.reasoning ? REASONING_OUTPUT_FACTOR : 1;
  return {
    input: { low: fixed + note.low, high: fixed + note.high },
    output: { low: s.criteria * GRADE_OUTPUT_PER_CRITERION.low, high: s.criteria * GRADE_OUTPUT_PER_CRITERION.high * thinking },
  };
}

/** The middle of a range: what a finished job's real tokens are compared with. */
export const middle = (r: Range) => (r.low + r.high) / 2;
