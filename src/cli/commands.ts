/** The commands: each parses its own options and returns an exit code. */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { GraphQLClient } from "./client";
import { collectExportRows, toCsv } from "./export";
import { readSecret, type CliIo } from "./io";
import { UsageError } from "./options";
import { printModelWarnings, warnAboutExperimentModels } from "./model-warnings";
import { runExperiment } from "./run";
import { confirmRunCost, DEFAULT_CONFIRM_ABOVE_USD, experimentEstimate, fetchEstimate, usdOption } from "./estimate";

export interface CommandContext {
  io: CliIo;
  client: GraphQLClient;
  args: string[];
}

function out(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Left-aligned columns, for lists on the terminal. */
export function table(rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? "" : String(c))));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

export function parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, received "${value}"`);
  return n;
}

function idArg(value: string | undefined, what: string): number {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return intOption(value, what, 0);
}

export async function modelsSetKey({ io, client, args }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, { vendor: { type: "string" } });
  if (positionals.length > 0) {
    throw new UsageError(
      "set-key takes no arguments: the key is read from a hidden prompt or from stdin, never from the command line",
    );
  }
  const vendor = values.vendor;
  if (vendor !== "openai" && vendor !== "anthropic") throw new UsageError("--vendor must be openai or anthropic");
  const apiKey = await readSecret(io, `${vendor} API key (hidden): `);
  if (!apiKey) throw new UsageError("no key given (type it at the prompt, or pipe it to stdin)");
  const { setVendorApiKey } = await client.request<{
    setVendorApiKey: { id: number; displayName: string; baseUrl: string | null }[];
  }>(`mutation($v: String!, $k: String!) { setVendorApiKey(vendor: $v, apiKey: $k) { id displayName baseUrl } }`, {
    v: vendor,
    k: apiKey,
  });
  // The answer lists every model of the vendor; those with a base URL of their own kept their key.
  const set = setVendorApiKey.filter((m) => m.baseUrl === null);
  const kept = setVendorApiKey.length - set.length;
  out(
    io,
    `Key set for ${set.length} ${vendor} model(s): ${set.map((m) => `${m.id} ${m.displayName}`).join(", ")}` +
      (kept > 0 ? `; ${kept} with a base URL of their own kept their key` : ""),
  );
  return 0;
}

export async function modelsList({ io, client, args }: CommandContext): Promise<number> {
  const { values } = parse(args, { vendor: { type: "string" }, json: { type: "boolean" } });
  const { models } = await client.request(
    `query($v: String) { models(vendor: $v) { id vendor displayName model baseUrl resolvedBaseUrl hasApiKey resolvedModel endOfLife deprecation } }`,
    {
      v: values.vendor ?? null,
    },
  );
  if (values.json) {
    out(io, JSON.stringify(models, null, 2));
    return 0;
  }
  out(
    io,
    table([
      // NAME is the row's name ("default" follows the server's configured default); MODEL is what it calls.
      ["ID", "VENDOR", "NAME", "MODEL", "KEY", "BASE URL"],
      // BASE URL: where its calls go; "(server's)" when that is the server's setting, not the row's own.
      ...models.map((m: any) => [
        m.id,
        m.vendor,
        m.displayName,
        m.resolvedModel,
        m.hasApiKey ? "yes" : "no",
        m.baseUrl ? m.resolvedBaseUrl : `${m.resolvedBaseUrl} (server's)`,
      ]),
    ]),
  );
  printModelWarnings(io, models);
  return 0;
}

export async function casesEligible({ io, client, args }: CommandContext): Promise<number> {
  const { values } = parse(args, { "min-authors": { type: "string" }, json: { type: "boolean" } });
  const min = intOption(values["min-authors"], "--min-authors", 2, 0);
  const { eligibleCases } = await client.request(
    `query($m: Int!) { eligibleCases(minHumanAuthors: $m) { id name humanAuthors validationStatus } }`,
    {
      m: min,
    },
  );
  if (values.json) {
    out(io, JSON.stringify(eligibleCases, null, 2));
    return 0;
  }
  out(
    io,
    table([
      ["ID", "NAME", "AUTHORS", "STATUS"],
      ...eligibleCases.map((c: any) => [c.id, c.name, c.humanAuthors, c.validationStatus]),
    ]),
  );
  out(io, `${eligibleCases.length} eligible case(s) (accepted rubrics from at least ${min} human reviewers)`);
  return 0;
}

export async function casesImport({ io, client, args }: CommandContext): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length > 1) throw new UsageError("usage: cases import [folder]");
  // A folder that exists here is sent as an absolute path (the server on this machine reads it);
  // any other relative path, or none, is read under the server's SHARED_DATA_DIR.
  const given = positionals[0];
  const local = given === undefined ? undefined : path.resolve(io.cwd, given);
  const folder = local !== undefined && existsSync(local) ? local : (given ?? null);
  const { importCaseFolder } = await client.request(
    `mutation($p: String) { importCaseFolder(path: $p) { cases rubrics caseIds folder } }`,
    { p: folder },
  );
  out(
    io,
    `Imported ${importCaseFolder.cases} case(s) and ${importCaseFolder.rubrics} LLM rubric(s) from ${importCaseFolder.folder}`,
  );
  return 0;
}

export interface ExperimentSpec {
  name: string;
  /** A name from `generators list`; the server's default (builtin) when omitted. */
  generator?: string;
  hyperscribeVersion: string;
  cycleTranscriptOverlaps?: number[];
  noteReplications?: number;
  gradeReplications?: number;
  cases: number[] | "eligible";
  models: { generatorId: number; graderId: number; graderIsReasoning?: boolean }[];
}

export function validateSpec(spec: unknown): ExperimentSpec {
  const s = spec as Partial<ExperimentSpec> | null;
  const fail = (what: string) => {
    throw new UsageError(`spec: ${what}`);
  };
  if (!s || typeof s !== "object") fail("must be a JSON object");
  if (typeof s!.name !== "string" || !s!.name) fail("name must be a non-empty string");
  if (typeof s!.hyperscribeVersion !== "string" || !s!.hyperscribeVersion) fail("hyperscribeVersion must be a non-empty string");
  if (s!.generator !== undefined && (typeof s!.generator !== "string" || !s!.generator))
    fail("generator must be a generator's name (see generators list)");
  if (s!.cases !== "eligible" && !(Array.isArray(s!.cases) && s!.cases.every(Number.isInteger))) {
    fail('cases must be "eligible" or a list of case ids');
  }
  if (!Array.isArray(s!.models) || s!.models.length === 0)
    fail("models must be a non-empty list of {generatorId, graderId, graderIsReasoning}");
  for (const m of s!.models!) {
    if (!Number.isInteger(m?.generatorId) || !Number.isInteger(m?.graderId))
      fail("every model needs integer generatorId and graderId");
  }
  return s as ExperimentSpec;
}

/** Creates (or updates, by name) the experiment of a spec, with its cases and combinations. */
export async function createFromSpec(
  client: GraphQLClient,
  spec: ExperimentSpec,
): Promise<{ id: number; cases: number; models: number }> {
  const input: Record<string, unknown> = { name: spec.name, hyperscribeVersion: spec.hyperscribeVersion };
  for (const key of ["generator", "cycleTranscriptOverlaps", "noteReplications", "gradeReplications"] as const) {
    if (spec[key] !== undefined) input[key] = spec[key];
  }
  const { createExperiment } = await client.request(
    `mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }`,
    {
      i: input,
    },
  );
  const id: number = createExperiment.id;
  const caseIds: number[] =
    spec.cases === "eligible"
      ? (await client.request(`{ eligibleCases { id } }`)).eligibleCases.map((c: { id: number }) => c.id)
      : spec.cases;
  if (caseIds.length > 0) {
    await client.request(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
      e: id,
      c: caseIds,
    });
  }
  for (const m of spec.models) {
    await client.request(`mutation($i: AddExperimentModelInput!) { addExperimentModel(input: $i) { id } }`, {
      i: {
        experimentId: id,
        modelNoteGeneratorId: m.generatorId,
        modelNoteGraderId: m.graderId,
        modelNoteGraderIsReasoning: m.graderIsReasoning ?? false,
      },
    });
  }
  const { experiment } = await client.request(`query($e: Int!) { experiment(id: $e) { cases { id } models { id } } }`, { e: id });
  return { id, cases: experiment.cases.length, models: experiment.models.length };
}

export async function experimentCreate({ io, client, args }: CommandContext): Promise<number> {
  const { values } = parse(args, {
    file: { type: "string", short: "f" },
    generator: { type: "string" },
    version: { type: "string" },
  });
  if (!values.file) throw new UsageError("usage: experiment create --file spec.json [--generator NAME] [--version V]");
  const file = path.resolve(io.cwd, values.file);
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  // --generator and --version win over the spec's generator and hyperscribeVersion.
  const spec = { ...(json as object), ...(values.generator ? { generator: values.generator } : {}) } as ExperimentSpec;
  if (values.version) spec.hyperscribeVersion = values.version;
  const created = await createFromSpec(client, validateSpec(spec));
  out(
    io,
    `Experiment ${created.id} "${(json as ExperimentSpec).name}": ${created.cases} case(s), ${created.models} model combination(s)`,
  );
  out(io, `Run it with: note-eval experiment run ${created.id}`);
  return 0;
}

export async function experimentRun({ io, client, args }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, {
    workers: { type: "string" },
    "max-attempts": { type: "string" },
    "retry-failed": { type: "boolean" },
    "budget-usd": { type: "string" },
    "confirm-above-usd": { type: "string" },
    yes: { type: "boolean", short: "y" },
  });
  const experimentId = idArg(positionals[0], "experiment id");
  const workers = intOption(values.workers, "--workers", 3);
  const maxAttempts = intOption(values["max-attempts"], "--max-attempts", 3);
  const retryFailed = values["retry-failed"] ?? false;
  const budgetUsd = usdOption(values["budget-usd"], "--budget-usd");
  const aboveUsd = usdOption(values["confirm-above-usd"], "--confirm-above-usd") ?? DEFAULT_CONFIRM_ABOVE_USD;
  await warnAboutExperimentModels(client, experimentId, io);
  const estimate = await fetchEstimate(client, experimentId, retryFailed);
  const confirmation = await confirmRunCost(io, experimentId, estimate, { aboveUsd, budgetUsd, yes: values.yes ?? false });
  if (confirmation !== "go") return confirmation === "refused" ? 2 : 1;
  const outcome = await runExperiment(client, { experimentId, workers, maxAttempts, retryFailed, budgetUsd }, io);
  return outcome.exitCode;
}

export async function experimentEstimateCommand({ io, client, args }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, { "retry-failed": { type: "boolean" }, json: { type: "boolean" } });
  return experimentEstimate(io, client, idArg(positionals[0], "experiment id"), {
    retryFailed: values["retry-failed"] ?? false,
    json: values.json ?? false,
  });
}

export async function experimentExport({ io, client, args }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, { format: { type: "string" }, out: { type: "string", short: "o" } });
  const experimentId = idArg(positionals[0], "experiment id");
  const format = values.format ?? "csv";
  if (format !== "csv" && format !== "json") throw new UsageError("--format must be csv or json");
  const rows = await collectExportRows(client, experimentId);
  const text = format === "csv" ? toCsv(rows) : JSON.stringify(rows, null, 2) + "\n";
  if (values.out) {
    const file = path.resolve(io.cwd, values.out);
    await writeFile(file, text);
    io.stderr.write(`Wrote ${rows.length} grade row(s) to ${file}\n`);
  } else {
    io.stdout.write(text);
  }
  return 0;
}

export async function experimentList({ io, client }: CommandContext): Promise<number> {
  const { experiments } = await client.request(
    `{ experiments { id name hyperscribeVersion cases { id } models { id } runs { id status } } }`,
  );
  out(
    io,
    table([
      ["ID", "NAME", "VERSION", "CASES", "COMBINATIONS", "LAST RUN"],
      ...experiments.map((e: any) => [
        e.id,
        e.name,
        e.hyperscribeVersion,
        e.cases.length,
        e.models.length,
        e.runs[0] ? `${e.runs[0].id} ${e.runs[0].status}` : "-",
      ]),
    ]),
  );
  return 0;
}
