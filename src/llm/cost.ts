/**
 * Token and cost accounting. Prices are USD per million tokens, per model name. A model missing
 * from the price table is "unpriced": what its tokens cost is unknown (null), never 0.
 */
import type { LlmConfig } from "../config";
import type { Usage, Vendor } from "./types";

export function emptyUsage(vendor: Vendor, model: string): Usage {
  return { inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0, requests: 0, model, vendor };
}

/** Cost of the tokens; null when tokens were spent on a model without a price (no tokens cost 0 anywhere). */
export function costUsd(prices: LlmConfig["prices"], model: string, inputTokens: number, outputTokens: number): number | null {
  if (inputTokens === 0 && outputTokens === 0) return 0;
  const price = prices[model];
  if (!price) return null;
  return (inputTokens * price.input + outputTokens * price.output) / 1e6;
}

/** A sum of costs: unknown as soon as one term is unknown. */
export function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** Sum of usages of one model (e.g. the cycles of one note). */
export function addUsage(into: Usage, more: Usage): Usage {
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.costUsd = addCost(into.costUsd, more.costUsd);
  into.latencyMs += more.latencyMs;
  into.requests += more.requests;
  return into;
}
