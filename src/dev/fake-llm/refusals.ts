/**
 * What the real vendors refuse with a 400, so that tests prove src/llm sends each model family only
 * what it accepts. Written from the vendors' documented behaviour as a plain list of model names,
 * independently of src/llm/models/families.ts (which decides by pattern): a family rule that is
 * wrong there fails here.
 */

/** OpenAI reasoning models: only the default temperature (1); `reasoning_effort` accepted. */
const OPENAI_REASONING = new Set([
  "o1",
  "o3",
  "o3-mini",
  "o4-mini",
  "gpt-5",
  "gpt-5-mini",
  "gpt-5-nano",
  "gpt-5.1",
  "gpt-5.2",
  "gpt-5.2-2025-12-11",
  "gpt-5.4",
]);

/** OpenAI chat models that refuse `reasoning_effort`. */
const OPENAI_NO_REASONING = new Set(["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini"]);

/** Anthropic models that take only adaptive thinking and refuse `temperature`. */
const ANTHROPIC_ADAPTIVE_ONLY = new Set([
  "claude-opus-4-7",
  "claude-opus-4-8",
  "claude-mythos-preview",
  "claude-opus-5",
  "claude-sonnet-5",
  "claude-mythos-5",
  "claude-fable-5",
  "claude-sonnet-5-5",
  "claude-opus-5-5",
  "claude-haiku-5-5",
]);

/** Anthropic models without adaptive thinking (it arrived with 4.6). */
const ANTHROPIC_NO_ADAPTIVE = new Set([
  "claude-sonnet-4-5",
  "claude-sonnet-4-5-20250929",
  "claude-opus-4-5",
  "claude-opus-4-5-20251101",
  "claude-haiku-4-5",
  "claude-haiku-4-5-20251001",
]);

/**
 * The vendor's 400 message for this request body, or null when the vendor would take it.
 * `extraNoTemperature` adds models that refuse a temperature (FakeLlmServerOptions.refuseTemperature).
 */
export function refusalOf(
  vendor: "openai" | "anthropic",
  body: Record<string, unknown>,
  extraNoTemperature: ReadonlySet<string>,
): string | null {
  const model = typeof body.model === "string" ? body.model : "";
  const temperature = body.temperature;
  const hasTemperature = temperature !== undefined && temperature !== null;
  if (vendor === "openai") {
    if (hasTemperature && temperature !== 1 && (OPENAI_REASONING.has(model) || extraNoTemperature.has(model))) {
      return `Unsupported value: 'temperature' does not support ${String(temperature)} with this model. Only the default (1) value is supported.`;
    }
    if (body.reasoning_effort !== undefined && OPENAI_NO_REASONING.has(model)) {
      return `Unrecognized request argument supplied: reasoning_effort (${model} is not a reasoning model)`;
    }
    return null;
  }
  const thinking = body.thinking as { type?: string } | undefined;
  if (hasTemperature && (ANTHROPIC_ADAPTIVE_ONLY.has(model) || extraNoTemperature.has(model))) {
    return `temperature: this model does not support the temperature parameter (${model})`;
  }
  if (thinking?.type === "enabled" && ANTHROPIC_ADAPTIVE_ONLY.has(model)) {
    return `"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.`;
  }
  if (thinking?.type === "adaptive" && ANTHROPIC_NO_ADAPTIVE.has(model)) {
    return `thinking.type: adaptive thinking is not supported for ${model}; use "enabled" with budget_tokens`;
  }
  return null;
}
