/** The LLM layer's public face: plain inputs in, plain results out. */
export type { Vendor } from "../config";
export type {
  Criterion,
  CriterionScore,
  GeneratedNote,
  GradeResult,
  ModelSpec,
  NoteItem,
  NoteItemType,
  NoteResult,
  Transcript,
  Turn,
  Usage,
} from "./types";
export { NOTE_ITEM_TYPES } from "./types";
export { LlmError } from "./errors";
export type { LlmErrorKind, RunStop } from "./errors";
export { makeLlmClients, resolveBaseUrl, resolveModelName } from "./clients";
export { displayBaseUrl } from "./base-url";
export type { LlmClients } from "./clients";
export { generateNote, transcriptCycles } from "./note";
export { gradeNote, scoreCriteria } from "./grade";
export { costUsd } from "./cost";
export { estimateGradeTokens, estimateNoteTokens, middle, CHARS_PER_TOKEN } from "./estimate";
export type { Range, TokenEstimate } from "./estimate";
export { NOTE_PROMPT_VERSION } from "./prompts/note-v1";
export { GRADE_PROMPT_VERSION } from "./prompts/grade-v2";
export { checkModel } from "./check";
export type { ModelCheck, ModelCheckStatus } from "./check";
export { knownDeprecation } from "./models/deprecations";
export type { Deprecation } from "./models/deprecations";
