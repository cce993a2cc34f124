/**
 * The `http` kind: the job document is POSTed to the generator's URL, which answers one result
 * document (status 2xx, JSON body of at most maxOutputBytes). The model's API key is not sent: an
 * http generator holds its own credentials (keys go nowhere but their vendor's base URL).
 */
import type { LlmConfig } from "../config";
import { costUsd } from "../llm";
import type { HttpDefinition } from "./definitions";
import { GeneratorError } from "./errors";
import { makeJobDocument } from "./job-document";
import { parseResultDocument } from "./result-document";
import type { Generation, NoteRequest } from "./types";

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body?.getReader();
  if (!reader) return "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new GeneratorError("generator_output_too_large", `the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function runHttpJob(
  definition: HttpDefinition,
  commit: string | null,
  request: NoteRequest,
  prices: LlmConfig["prices"],
): Promise<Generation> {
  const timeout = AbortSignal.timeout(definition.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  let text: string;
  try {
    const response = await fetch(definition.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(makeJobDocument(request, commit)),
      signal,
      redirect: "error",
    });
    text = await readCapped(response, definition.maxOutputBytes);
    if (!response.ok) {
      throw new GeneratorError("generator_http", `${definition.url} answered ${response.status}: ${text.slice(0, 500)}`);
    }
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason;
    if (timeout.aborted)
      throw new GeneratorError("generator_timeout", `no answer from ${definition.url} after ${definition.timeoutMs} ms`);
    if (error instanceof GeneratorError) throw error;
    throw new GeneratorError("generator_http", `${definition.url} could not be reached: ${(error as Error).message}`);
  }
  return parseResultDocument(text, {
    model: request.modelName,
    priceOf: (model, input, output) => costUsd(prices, model, input, output),
  });
}
