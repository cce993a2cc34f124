/**
 * Anthropic Messages. Structured output through one tool whose `input_schema` is our schema.
 *
 * Chat calls force that tool (`tool_choice: {type: "tool"}`). Anthropic refuses a forced tool while
 * thinking is on, so reasoning calls send `thinking` (`enabled` with a budget, or `adaptive`, as the
 * model's family says) with `tool_choice: {type: "auto"}` and a system line asking for the tool; when
 * the model answers in text instead, the text is parsed as JSON. Either way the answer is validated
 * like any other.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { withCallSignal } from "./call-signal";
import type { RawAnswer, VendorRequest } from "./types";

/** Warnings the SDK printed already; each is printed once per process. */
const warned = new Set<string>();

/**
 * The SDK `console.warn`s on every call with a deprecated model (thousands of lines in a run, and
 * measurable CPU). Its create() warns synchronously before its first await, so the warnings of that
 * one synchronous stretch are caught here and each distinct one is passed on once.
 */
function warningOnce<T>(create: () => T): T {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const message = args.map(String).join(" ");
    if (warned.has(message)) return;
    warned.add(message);
    original(...args);
  };
  try {
    return create();
  } finally {
    console.warn = original;
  }
}

/** The smallest budget Anthropic accepts is 1024 thinking tokens. */
const MIN_THINKING_BUDGET = 1024;

export async function sendAnthropic(client: Anthropic, req: VendorRequest, signal: AbortSignal | undefined): Promise<RawAnswer> {
  const tool: Anthropic.Tool = {
    name: req.schemaName,
    description: req.schemaDescription,
    input_schema: req.schema as Anthropic.Tool.InputSchema,
  };
  const body: Anthropic.MessageCreateParamsNonStreaming = {
    model: req.model,
    system: req.system,
    messages: req.messages,
    tools: [tool],
    max_tokens: req.maxOutputTokens,
  };
  if (req.reasoning?.kind === "anthropic_thinking") {
    if (req.reasoning.mode === "enabled") {
      const budget = Math.max(MIN_THINKING_BUDGET, Math.floor(req.maxOutputTokens / 2));
      body.max_tokens = Math.max(req.maxOutputTokens, budget + MIN_THINKING_BUDGET);
      body.thinking = { type: "enabled", budget_tokens: budget };
    } else body.thinking = { type: "adaptive" };
    body.tool_choice = { type: "auto" };
    body.system = `${req.system}\n\nAnswer by calling the tool "${req.schemaName}" exactly once.`;
  } else {
    body.tool_choice = { type: "tool", name: req.schemaName };
    // SDK 1.14's types no longer list `temperature`; the Messages API still takes it from models
    // before 4.7 (the family decides), and a reproducible chat grader needs it.
    if (req.temperature !== undefined) (body as { temperature?: number }).temperature = req.temperature;
  }
  const { data: message, response } = await withCallSignal(signal, (callSignal) =>
    warningOnce(() => client.messages.create(body, { signal: callSignal })).withResponse(),
  );
  let value: unknown;
  let text = "";
  for (const block of message.content ?? []) {
    if (block.type === "tool_use" && block.name === req.schemaName && value === undefined) value = block.input;
    else if (block.type === "text") text += block.text;
  }
  const usage = message.usage;
  return {
    text: value !== undefined ? JSON.stringify(value) : text,
    value,
    inputTokens: (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0),
    outputTokens: usage?.output_tokens ?? 0,
    stopReason: message.stop_reason,
    headers: response.headers,
  };
}
