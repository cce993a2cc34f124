/**
 * OpenAI Chat Completions, so any OpenAI-compatible server works too. Structured output through
 * `response_format: json_schema` (strict). Which of `reasoning_effort` and `temperature` is sent was
 * decided by the model's family (../models/families.ts).
 */
import type OpenAI from "openai";
import { withCallSignal } from "./call-signal";
import type { RawAnswer, VendorRequest } from "./types";

export const OPENAI_REASONING_EFFORT = "medium";

export async function sendOpenAi(client: OpenAI, req: VendorRequest, signal: AbortSignal | undefined): Promise<RawAnswer> {
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
    model: req.model,
    messages: [{ role: "system", content: req.system }, ...req.messages],
    response_format: {
      type: "json_schema",
      json_schema: { name: req.schemaName, description: req.schemaDescription, schema: req.schema, strict: true },
    },
    max_completion_tokens: req.maxOutputTokens,
  };
  if (req.reasoning?.kind === "openai_effort") body.reasoning_effort = OPENAI_REASONING_EFFORT;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  const { data: completion, response } = await withCallSignal(signal, (callSignal) =>
    client.chat.completions.create(body, { signal: callSignal }).withResponse(),
  );
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const text = message?.content ?? (message?.refusal ? `(refused) ${message.refusal}` : "");
  return {
    text,
    inputTokens: completion.usage?.prompt_tokens ?? 0,
    outputTokens: completion.usage?.completion_tokens ?? 0,
    stopReason: choice?.finish_reason ?? null,
    headers: response.headers,
  };
}
