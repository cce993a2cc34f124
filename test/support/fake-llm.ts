/** Test helpers for the LLM layer: a fake vendor server and a config pointed at it. */
import { loadConfig } from "../../src/config";
import type { LlmConfig } from "../../src/config";
import { LlmError } from "../../src/llm";
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

/** The LlmError a promise rejects with (fails the test when it resolves or throws something else). */
export async function rejectionOf(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    return err as LlmError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** The text of every message of a logged request body (system, messages, both vendors). */
export function bodyText(body: Record<string, unknown> | undefined): string {
  return JSON.stringify(body ?? {});
}
