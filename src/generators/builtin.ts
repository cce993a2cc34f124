/** The `builtin` kind: the project's own LLM pipeline (src/llm) at a prompt version. */
import { generateNote, type LlmClients } from "../llm";
import type { BuiltinDefinition } from "./definitions";
import { NO_ARTIFACTS } from "./result-document";
import type { Generation, NoteRequest } from "./types";

export async function runBuiltinJob(definition: BuiltinDefinition, llm: LlmClients, request: NoteRequest): Promise<Generation> {
  const result = await generateNote(llm, {
    transcript: request.case.transcript,
    limitedChart: request.case.limitedChart,
    overlapWords: request.overlap,
    model: request.model,
    signal: request.signal,
  });
  if (result.promptVersion !== definition.promptVersion) {
    // Only one prompt version exists today; a second one would be selected here.
    throw new Error(
      `builtin generator "${definition.name}" asks for prompt ${definition.promptVersion}, have ${result.promptVersion}`,
    );
  }
  return {
    note: result.note,
    model: result.usage.model,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    costUsd: result.usage.costUsd,
    cycles: result.cycles,
    promptVersion: result.promptVersion,
    artifacts: NO_ARTIFACTS,
  };
}
