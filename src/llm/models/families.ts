/**
 * Request parameters follow the model's family. What each vendor refuses, by model generation:
 *
 * - OpenAI reasoning models (o1/o3/o4 and the GPT-5 family except its `-chat` aliases) refuse any
 *   `temperature` but the default and take `reasoning_effort`; other chat models (gpt-4.1, gpt-4o)
 *   take `temperature` and refuse `reasoning_effort`.
 * - Anthropic models up to 4.5 take `thinking: {type: "enabled", budget_tokens}`; 4.6 models take
 *   `adaptive` (and deprecate `enabled`); Opus 4.7, the Mythos and Fable lines and every 5.x model
 *   take only `adaptive` and refuse `temperature` (400).
 *
 * A name this module cannot place (an OpenAI-compatible server's own model, a fake one) gets the
 * older, widest behaviour: temperature on plain calls, and `reasoning_effort` or `enabled` thinking
 * when asked to reason.
 */
import type { Vendor } from "../types";

export type ThinkingMode = "enabled" | "adaptive";

export interface ModelFamily {
  /** Whether a non-default temperature may be sent. */
  acceptsTemperature: boolean;
  /** How to ask this model to reason; null when it has no reasoning option. */
  reasoning: { kind: "openai_effort" } | { kind: "anthropic_thinking"; mode: ThinkingMode } | null;
}

const OPENAI_REASONING = /^(o\d|gpt-5)/;
const OPENAI_CHAT = /^(gpt-4|gpt-3\.5|chatgpt-)|-chat/;

/** claude-opus-4-7, claude-sonnet-4-5-20250929, claude-opus-5, claude-mythos-preview … */
const ANTHROPIC_NAME = /^claude-(haiku|sonnet|opus|fable|mythos)-(\d+|preview)(?:-(\d{1,2}))?(?:-\d{8})?$/;

function anthropicFamily(model: string): ModelFamily {
  const m = ANTHROPIC_NAME.exec(model);
  if (!m) return { acceptsTemperature: true, reasoning: { kind: "anthropic_thinking", mode: "enabled" } };
  const [, line, majorText, minorText] = m;
  const version = majorText === "preview" ? 99 : Number(majorText) + Number(minorText ?? 0) / 10;
  const adaptiveOnly = line === "mythos" || line === "fable" || version >= 4.7;
  if (adaptiveOnly) return { acceptsTemperature: false, reasoning: { kind: "anthropic_thinking", mode: "adaptive" } };
  return { acceptsTemperature: true, reasoning: { kind: "anthropic_thinking", mode: version >= 4.6 ? "adaptive" : "enabled" } };
}

export function modelFamily(vendor: Vendor, model: string): ModelFamily {
  if (vendor === "anthropic") return anthropicFamily(model);
  if (OPENAI_CHAT.test(model)) return { acceptsTemperature: true, reasoning: null };
  if (OPENAI_REASONING.test(model)) return { acceptsTemperature: false, reasoning: { kind: "openai_effort" } };
  return { acceptsTemperature: true, reasoning: { kind: "openai_effort" } };
}
