/**
 * Grades a note file against a rubric file, without the database, and prints the result as JSON.
 *
 *   npm run grade -- --note note.json --rubric rubric.json --vendor openai [--model m] [--reasoning]
 *
 * The key comes from OPENAI_API_KEY / ANTHROPIC_API_KEY and the base URL from OPENAI_BASE_URL /
 * ANTHROPIC_BASE_URL (through src/config.ts), so it runs against the fake server too.
 */
import fs from "node:fs";
import { VENDORS, loadConfig } from "../src/config";
import type { Vendor } from "../src/config";
import { LlmError, gradeNote, makeLlmClients } from "../src/llm";
import type { Criterion } from "../src/llm";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(message: string): never {
  console.error(`grade-file: ${message}`);
  process.exit(2);
}

function readJson(option: string): unknown {
  const file = flag(option);
  if (!file) fail(`--${option} <file.json> is required`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    fail(`cannot read --${option} ${file}: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const vendor = (flag("vendor") ?? "openai") as Vendor;
  if (!VENDORS.includes(vendor)) fail(`--vendor must be one of ${VENDORS.join(", ")}, received "${vendor}"`);
  const apiKey = config.llm.apiKeys[vendor];
  if (!apiKey) fail(`set ${vendor === "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY"} to grade with ${vendor}`);
  const rubric = readJson("rubric") as Criterion[];
  const note = readJson("note");
  const clients = makeLlmClients(config.llm, { log: (m) => console.error(m) });
  try {
    const result = await gradeNote(clients, {
      rubric,
      note,
      model: { vendor, apiKey, model: flag("model") ?? "", reasoning: process.argv.includes("--reasoning") },
    });
    console.log(JSON.stringify(result, null, 2));
  } catch (err) {
    if (err instanceof LlmError) fail(`${err.kind}: ${err.message}`);
    throw err;
  }
}

void main();
