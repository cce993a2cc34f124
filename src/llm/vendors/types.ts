/** What the structured-output loop asks of a vendor adapter: one HTTP request, one raw answer. */
import type { ModelFamily } from "../models/families";
import type { JsonSchema } from "../types";

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

export interface VendorRequest {
  model: string;
  system: string;
  messages: ChatMessage[];
  /** Name of the JSON schema (OpenAI) or of the tool (Anthropic). */
  schemaName: string;
  schemaDescription: string;
  schema: JsonSchema;
  /** Omitted for reasoning calls and for models that refuse one (they run at the vendor's default). */
  temperature?: number;
  /** How to ask this model to reason (from its family); null for a plain call. */
  reasoning: ModelFamily["reasoning"];
  maxOutputTokens: number;
}

export interface RawAnswer {
  /** The answer as text (OpenAI content, or Anthropic text blocks when no tool was called). */
  text: string;
  /** Already-parsed JSON (Anthropic tool input); undefined when only text came back. */
  value?: unknown;
  inputTokens: number;
  outputTokens: number;
  /** e.g. "length" when the answer was cut by max tokens; fed back on repair. */
  stopReason?: string | null;
  /** The answer's HTTP headers (rate-limit headers are read from them). */
  headers?: Headers;
}
