/**
 * Reading a generator's answer: exactly one JSON object, the result document of the contract
 * (docs/generator-contract/result.schema.json). Anything else is a failed attempt of kind
 * generator_invalid_output, whose message says what was wrong (never the whole output).
 */
import { GeneratorError } from "./errors";
import type { Generation, NoteArtifacts } from "./types";

const ARTIFACT_KEYS: (keyof NoteArtifacts)[] = [
  "stagedQuestionnaires",
  "transcript2instructions",
  "instruction2parameters",
  "parameters2command",
];
const EXCERPT = 200;

function invalid(message: string): GeneratorError {
  return new GeneratorError("generator_invalid_output", `invalid result document: ${message}`);
}

function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw invalid(`${field} must be a number >= 0`);
  return value;
}

export interface ResultDefaults {
  /** The model the job asked for: the model used when the generator does not say. */
  model: string;
  /** The cost of the tokens at the configured prices, when the generator reports no cost (null: unpriced). */
  priceOf: (model: string, inputTokens: number, outputTokens: number) => number | null;
}

export function parseResultDocument(text: string, defaults: ResultDefaults): Generation {
  const trimmed = text.trim();
  if (trimmed === "") throw invalid("the output is empty (print one JSON object on stdout)");
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    throw invalid(`not one JSON value (${(error as Error).message}); output began: ${JSON.stringify(trimmed.slice(0, EXCERPT))}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("the output must be a JSON object");
  const doc = value as Record<string, unknown>;
  if (typeof doc.note !== "object" || doc.note === null) throw invalid(`"note" must be a JSON object or array`);
  const usage = (doc.usage ?? {}) as Record<string, unknown>;
  if (typeof usage !== "object" || Array.isArray(usage)) throw invalid(`"usage" must be an object`);
  const inputTokens = count(usage.inputTokens, "usage.inputTokens");
  const outputTokens = count(usage.outputTokens, "usage.outputTokens");
  if (doc.model !== undefined && (typeof doc.model !== "string" || doc.model === "")) throw invalid(`"model" must be a string`);
  const model = (doc.model as string | undefined) ?? defaults.model;
  const costUsd =
    usage.costUsd === undefined || usage.costUsd === null
      ? defaults.priceOf(model, inputTokens, outputTokens)
      : count(usage.costUsd, "usage.costUsd");
  const cycles = count(doc.cycles, "cycles");
  const rawArtifacts = (doc.artifacts ?? {}) as Record<string, unknown>;
  if (typeof rawArtifacts !== "object" || Array.isArray(rawArtifacts)) throw invalid(`"artifacts" must be an object`);
  const artifacts = Object.fromEntries(ARTIFACT_KEYS.map((key) => [key, rawArtifacts[key] ?? {}])) as unknown as NoteArtifacts;
  return { note: doc.note, model, inputTokens, outputTokens, costUsd, cycles, promptVersion: "", artifacts };
}

export const NO_ARTIFACTS: NoteArtifacts = {
  stagedQuestionnaires: {},
  transcript2instructions: {},
  instruction2parameters: {},
  parameters2command: {},
};
