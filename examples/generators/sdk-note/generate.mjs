#!/usr/bin/env node
/**
 * A small note generator that follows the job contract (docs/generators.md, note-generator/1) and
 * calls its vendor through the official SDK: OpenAI Chat Completions with a JSON schema, or an
 * Anthropic tool it must call. Copy it as the start of your own.
 *
 *   stdin:  one job document (case, cycle settings, experiment, model)
 *   env:    NOTE_EVAL_API_KEY (the key: never in argv or stdin), NOTE_EVAL_BASE_URL (optional)
 *   stdout: one result document {note, usage, model, cycles}
 *   exit:   non-zero on failure, with the reason on stderr (the server records its tail)
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

const NOTE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["items"],
  properties: {
    items: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["type", "text", "supportingWords"],
        properties: {
          type: { type: "string", enum: ["reason_for_visit", "assessment", "plan", "prescription", "refill", "instruction"] },
          text: { type: "string" },
          supportingWords: { type: "string" },
        },
      },
    },
  },
};
const SYSTEM = "You write the clinical note of an encounter as a list of items. Answer with JSON only.";

async function readJob() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}

/** The transcript as "Speaker: text" lines; cycles (an object of turn lists) in key order. */
function transcriptText(transcript) {
  const cycles = Array.isArray(transcript)
    ? [transcript]
    : Object.keys(transcript)
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
        .map((k) => transcript[k]);
  return {
    text: cycles
      .flat()
      .map((t) => `${t.speaker}: ${t.text}`)
      .join("\n"),
    cycles: cycles.length,
  };
}

async function callOpenAI(job, user) {
  const client = new OpenAI({ apiKey: process.env.NOTE_EVAL_API_KEY, baseURL: job.model.baseUrl ?? undefined, maxRetries: 2 });
  const response = await client.chat.completions.create({
    model: job.model.name,
    temperature: 0,
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: user },
    ],
    response_format: { type: "json_schema", json_schema: { name: "clinical_note", schema: NOTE_SCHEMA, strict: true } },
  });
  return {
    note: JSON.parse(response.choices[0].message.content ?? ""),
    usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: response.usage?.completion_tokens ?? 0 },
    model: response.model,
  };
}

async function callAnthropic(job, user) {
  const client = new Anthropic({ apiKey: process.env.NOTE_EVAL_API_KEY, baseURL: job.model.baseUrl ?? undefined, maxRetries: 2 });
  const response = await client.messages.create({
    model: job.model.name,
    max_tokens: 4096,
    temperature: 0,
    system: SYSTEM,
    messages: [{ role: "user", content: user }],
    tools: [{ name: "clinical_note", description: "The items of the clinical note", input_schema: NOTE_SCHEMA }],
    tool_choice: { type: "tool", name: "clinical_note" },
  });
  const call = response.content.find((block) => block.type === "tool_use");
  if (!call) throw new Error("the model did not call the clinical_note tool");
  return {
    note: call.input,
    usage: { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens },
    model: response.model,
  };
}

async function main() {
  const job = await readJob();
  if (job.contract !== "note-generator/1") throw new Error(`unsupported contract ${job.contract}`);
  const { text, cycles } = transcriptText(job.case.transcript);
  const user = `Chart before the visit:\n${JSON.stringify(job.case.limitedChart)}\n\nTranscript:\n${text}`;
  const answer = job.model.vendor === "anthropic" ? await callAnthropic(job, user) : await callOpenAI(job, user);
  process.stdout.write(JSON.stringify({ ...answer, cycles }));
}

main().catch((error) => {
  process.stderr.write(`sdk-note: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
