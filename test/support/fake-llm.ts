/** Test helpers for the LLM layer: a fake vendor server and a config pointed at it. */
import { loadConfig } from "../../src/config";
import type { LlmConfig } from "../../src/config";
import type { ModelSpec, Vendor } from "../../src/llm";
import type { FakeLlmServer } from "../../src/dev/fake-llm/server";

/** Recognisable, so tests can assert it never leaks into errors or logs. */
export const SECRET_KEY = "sk-test-SECRET-123";

/** Small timeouts and backoff so fault tests run in milliseconds. */
export function testLlmConfig(env: Record<string, string> = {}): LlmConfig {
  return loadConfig({
    LLM_BACKOFF_BASE_MS: "1",
    LLM_BACKOFF_MAX_MS: "5",
    LLM_REQUEST_TIMEOUT_MS: "2000",
    LLM_TRANSPORT_RETRIES: "3",
    LLM_STRUCTURED_OUTPUT_TRIES: "3",
    LLM_PRICES_JSON: JSON.stringify({ "fake-chat": { input: 2, output: 8 }, "fake-reasoning": { input: 10, output: 40 } }),
    ...env,
  }).llm;
}

export function specFor(server: FakeLlmServer, vendor: Vendor, model = "fake-chat", extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    vendor,
    apiKey: SECRET_KEY,
    model,
    baseUrl: vendor === "openai" ? server.openaiBaseUrl : server.anthropicBaseUrl,
    ...extra,
  };
}

export const BOTH_VENDORS: Vendor[] = ["openai", "anthropic"];
