/** Token and cost accounting. Prices are USD per million tokens, per model name. */
import type { LlmConfig } from "../config";
import type { Usage, Vendor } from "./types";

export function emptyUsage(vendor: Vendor, model: string): Usage {
  return { inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0, requests: 0, model, vendor };
}

/** Cost of the tokens; a model without a price costs 0 (the caller can tell from config.prices). */
export function costUsd(prices: LlmConfig["prices"], model: string, inputTokens: number, outputTokens: number): number {
  const price = prices[model];
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1e6;
}

/** Sum of usages of one model (e.g. the cycles of one note); cost is recomputed from the totals. */
export function addUsage(into: Usage, more: Usage): Usage {
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.costUsd += more.costUsd;
  into.latencyMs += more.latencyMs;
  into.requests += more.requests;
  return into;
}
