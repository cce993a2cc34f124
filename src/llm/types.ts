/**
 * The vocabulary of the LLM layer, written down once. Plain data in, plain data out: nothing here
 * knows about entities, GraphQL or the runner.
 */
import type { Vendor } from "../config";

export type { Vendor };

/** One spoken turn of an encounter. */
export interface Turn {
  speaker: string;
  text: string;
}

/** A flat list of turns (one cycle), or cycles keyed in order, e.g. {"cycle_001": [...], ...}. */
export type Transcript = Turn[] | Record<string, Turn[]>;

/** Which model to call, and how. */
export interface ModelSpec {
  vendor: Vendor;
  apiKey: string;
  /** '' = the vendor's default from config (chat, or reasoning when `reasoning`). */
  model: string;
  /** Wins over config.baseUrls[vendor]; null/undefined = use that (or the SDK's own). */
  baseUrl?: string | null;
  /** Turn the vendor's reasoning options on (OpenAI reasoning_effort, Anthropic thinking). */
  reasoning?: boolean;
}

/** What one logical call (all its HTTP requests) spent. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Null when the model has no price (LLM_PRICES_JSON): unknown, never 0. */
  costUsd: number | null;
  latencyMs: number;
  /** HTTP requests made, including transport retries and repair tries. */
  requests: number;
  /** The resolved model name (config default filled in). */
  model: string;
  vendor: Vendor;
}

export interface Criterion {
  criterion: string;
  weight: number;
  sense: "positive" | "negative";
}

/** The sections and commands a clinical note is made of. */
export const NOTE_ITEM_TYPES = [
  "reason_for_visit",
  "history_of_present_illness",
  "review_of_systems",
  "physical_exam",
  "vitals",
  "assessment",
  "diagnosis",
  "plan",
  "prescription",
  "refill",
  "adjust_prescription",
  "stop_medication",
  "medication_statement",
  "allergy",
  "lab_order",
  "imaging_order",
  "referral",
  "immunization",
  "instruction",
  "follow_up",
  "goal",
  "task",
] as const;
export type NoteItemType = (typeof NOTE_ITEM_TYPES)[number];

export interface NoteItem {
  type: NoteItemType;
  text: string;
  /** Words of the transcript that support this item. */
  supportingWords: string;
}

export interface GeneratedNote {
  items: NoteItem[];
}

export interface NoteResult {
  note: GeneratedNote;
  usage: Usage;
  promptVersion: string;
  /** Cycles walked (a flat transcript is one). */
  cycles: number;
}

export interface CriterionScore {
  id: number;
  rationale: string;
  satisfaction: number;
  score: number;
}

export interface GradeResult {
  scoringResult: CriterionScore[];
  overallScore: number;
  usage: Usage;
  promptVersion: string;
  /** The temperature sent (0 for chat graders); 1, the vendors' default, when none was sent. */
  temperature: number;
}

export type JsonSchema = Record<string, unknown>;
