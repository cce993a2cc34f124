/**
 * What a run would cost, before it starts: `experiment estimate <id>`, and the confirmation that
 * `experiment run` asks for when the estimate's high end passes --confirm-above-usd (a budget
 * lower than that high end stands in for it; an unknown cost always asks). --yes skips the question;
 * without a terminal to ask on, a run above the threshold is refused.
 */
import { createInterface } from "node:readline";
import type { GraphQLClient } from "./client";
import { formatCost } from "./cost";
import type { CliIo } from "./io";
import { UsageError } from "./options";
import { formatTokens } from "./progress";

/** The default of --confirm-above-usd: runs that may cost more are confirmed first. */
export const DEFAULT_CONFIRM_ABOVE_USD = 5;

interface Range {
  low: number;
  high: number;
}

export interface RunEstimate {
  scope: "all" | "remaining";
  basis: string;
  notes: number;
  grades: number;
  calls: number;
  inputTokens: Range;
  outputTokens: Range;
  costUsd: Range | null;
  unpricedModels: string[];
  models: { vendor: string; model: string; notes: number; grades: number; calls: number; costUsd: Range | null }[];
}

const ESTIMATE_QUERY = `query($e: Int!, $r: Boolean!) { estimateExperimentRun(experimentId: $e, retryFailed: $r) {
  scope basis notes grades calls inputTokens { low high } outputTokens { low high } costUsd { low high } unpricedModels
  models { vendor model notes grades calls costUsd { low high } } } }`;

export async function fetchEstimate(client: GraphQLClient, experimentId: number, retryFailed: boolean): Promise<RunEstimate> {
  const { estimateExperimentRun } = await client.request<{ estimateExperimentRun: RunEstimate }>(ESTIMATE_QUERY, {
    e: experimentId,
    r: retryFailed,
  });
  return estimateExperimentRun;
}

const costRange = (r: Range | null) => (r === null ? formatCost(null) : `${formatCost(r.low)} – ${formatCost(r.high)}`);
const tokenRange = (r: Range) => (r.low === r.high ? formatTokens(r.low) : `${formatTokens(r.low)}–${formatTokens(r.high)}`);

export function renderEstimate(experimentId: number, e: RunEstimate): string[] {
  if (e.notes + e.grades === 0) return [`Estimate for experiment ${experimentId}: nothing left to run (every job has finished)`];
  const what = e.scope === "all" ? "every job" : "the jobs left";
  const width = Math.max(...e.models.map((m) => `${m.vendor}/${m.model}`.length), 5);
  const lines = [
    `Estimate for experiment ${experimentId} (${what}; ${e.basis}):`,
    `  ${e.notes} notes, ${e.grades} grades, ${e.calls} calls; tokens ${tokenRange(e.inputTokens)} in, ${tokenRange(e.outputTokens)} out`,
    ...e.models.map(
      (m) =>
        `  ${`${m.vendor}/${m.model}`.padEnd(width)}  ${String(m.notes).padStart(5)} notes ${String(m.grades).padStart(6)} grades  ${costRange(m.costUsd)}`,
    ),
    e.costUsd === null
      ? `  total: unknown: ${e.unpricedModels.join(", ")} ${e.unpricedModels.length === 1 ? "has" : "have"} no price (LLM_PRICES_JSON on the server)`
      : `  total: ${costRange(e.costUsd)}`,
  ];
  return lines;
}

export async function experimentEstimate(
  io: CliIo,
  client: GraphQLClient,
  experimentId: number,
  options: { retryFailed: boolean; json: boolean },
): Promise<number> {
  const estimate = await fetchEstimate(client, experimentId, options.retryFailed);
  io.stdout.write(
    options.json ? `${JSON.stringify(estimate, null, 2)}\n` : `${renderEstimate(experimentId, estimate).join("\n")}\n`,
  );
  return 0;
}

export interface ConfirmOptions {
  /** Ask when the run may cost more than this (USD). */
  aboveUsd: number;
  /** --yes: never ask. */
  yes: boolean;
  /** The run's budget, when one is given: the most it may spend (plus what is in flight when it pauses). */
  budgetUsd: number | null;
}

export type Confirmation = "go" | "declined" | "refused";

/** Prints the estimate and decides whether the run starts (see the header). */
export async function confirmRunCost(
  io: CliIo,
  experimentId: number,
  estimate: RunEstimate,
  options: ConfirmOptions,
): Promise<Confirmation> {
  io.stdout.write(`${renderEstimate(experimentId, estimate).join("\n")}\n`);
  const high = estimate.costUsd?.high ?? null;
  const mostSpent = options.budgetUsd !== null ? Math.min(options.budgetUsd, high ?? Infinity) : high;
  if (options.yes || (mostSpent !== null && mostSpent <= options.aboveUsd)) return "go";
  const why =
    mostSpent === null
      ? "its cost is unknown (unpriced models)"
      : `it may cost up to ${formatCost(mostSpent)}, more than --confirm-above-usd ${options.aboveUsd}`;
  if (!io.stdin.isTTY) {
    io.stderr.write(
      `note-eval: not started: ${why}. Pass --yes to start it anyway, --budget-usd to cap it, or a higher --confirm-above-usd.\n`,
    );
    return "refused";
  }
  io.stderr.write(`Start it? ${why}. [y/N] `);
  const answer = await readLine(io);
  if (/^y(es)?$/i.test(answer.trim())) return "go";
  io.stderr.write("not started\n");
  return "declined";
}

async function readLine(io: CliIo): Promise<string> {
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return "";
  } finally {
    lines.close();
  }
}

/** A money option: a finite number above 0 (what the server takes too). */
export function usdOption(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new UsageError(`${name} must be an amount in USD >= 0, received "${value}"`);
  return n;
}
