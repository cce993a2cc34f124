/**
 * The default models and the price table, as data (no imports, so src/config.ts can read them).
 *
 * Defaults are picked by hand from the models the installed SDKs list (@anthropic-ai/sdk's `Model`
 * type, openai's `ChatModel` type) that are in no deprecation data (the Anthropic SDK's
 * DEPRECATED_MODELS table, the vendors' announcements in ./deprecations.ts), preferring models with a
 * published price. test/llm.models.test.ts reads the installed SDKs and fails when an upgrade drops
 * or deprecates one of them. Each is overridable by configuration (see README, "Default models").
 */

export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
}

export const DEFAULT_MODELS = {
  openai: {
    /** Takes temperature 0: a reproducible chat grader and note writer. */
    chat: "gpt-4.1",
    /** GPT-5 family: reasoning_effort, no temperature. o3 (the former default) has an announced end. */
    reasoning: "gpt-5.2",
  },
  anthropic: {
    /** Replaces claude-sonnet-4-5-20250929 (end of life 2026-11-30 in the SDK's table). */
    chat: "claude-sonnet-4-6",
    /** Replaces claude-opus-4-1 (retired). Adaptive thinking only, refuses temperature. */
    reasoning: "claude-opus-4-7",
  },
} as const;

/**
 * Vendors' list prices, USD per million tokens (standard tier, no caching), as published when this
 * table was written. A model missing here is "unpriced": its cost is null, never 0.
 */
export const DEFAULT_PRICES: Record<string, ModelPrice> = {
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-2025-04-14": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5.1": { input: 1.25, output: 10 },
  "gpt-5.2": { input: 1.75, output: 14 },
  "gpt-5.2-2025-12-11": { input: 1.75, output: 14 },
  o3: { input: 2, output: 8 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "claude-haiku-4-5": { input: 1, output: 5 },
  "claude-haiku-4-5-20251001": { input: 1, output: 5 },
  "claude-sonnet-4-5": { input: 3, output: 15 },
  "claude-sonnet-4-5-20250929": { input: 3, output: 15 },
  "claude-sonnet-4-6": { input: 3, output: 15 },
  "claude-opus-4-5": { input: 5, output: 25 },
  "claude-opus-4-5-20251101": { input: 5, output: 25 },
  "claude-opus-4-6": { input: 5, output: 25 },
  "claude-opus-4-7": { input: 5, output: 25 },
};
