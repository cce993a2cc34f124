/**
 * The terminal progress view of a run: redrawn in place on a terminal, a line every few seconds
 * otherwise (logs, CI, pipes). Fed with ExperimentProgress snapshots from the subscription.
 */
import type { Writable } from "node:stream";
import { formatCost } from "./cost";

export interface JobCounts {
  expected: number;
  succeeded: number;
  failed: number;
  running: number;
  pending: number;
}

export interface ProgressSnapshot {
  runId: number | null;
  runStatus: string | null;
  done: boolean;
  notes: JobCounts;
  grades: JobCounts;
  inputTokens: number;
  outputTokens: number;
  /** Null when some jobs spent tokens on a model without a price (`unpriced` of them). */
  costUsd: number | null;
  /** The run's budget and what it spent of it (null without a budget). */
  budgetUsd?: number | null;
  spentUsd?: number | null;
  unpriced: number;
  elapsedMs: number;
  etaMs: number | null;
  /** Each vendor key's limit across the cluster (absent from servers older than it). */
  limits?: KeyLimitSnapshot[];
}

export interface KeyLimitSnapshot {
  vendor: string;
  baseUrl: string;
  limit: number;
  processes: number;
  reason: string | null;
}

/** The fields of ExperimentProgress that the view needs, for queries and subscriptions. */
export const PROGRESS_FIELDS =
  "runId runStatus done inputTokens outputTokens costUsd unpriced budgetUsd spentUsd elapsedMs etaMs " +
  "notes { expected succeeded failed running pending } grades { expected succeeded failed running pending } " +
  "limits { vendor baseUrl limit processes reason }";

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** A bar of `width` cells: done (█), failed (x), rest (░). */
export function bar(counts: JobCounts, width: number): string {
  if (counts.expected <= 0) return "░".repeat(width);
  const cells = (n: number) => Math.round((Math.min(n, counts.expected) / counts.expected) * width);
  const failed = counts.failed > 0 ? Math.max(1, cells(counts.failed)) : 0;
  const done = Math.min(width - failed, cells(counts.succeeded + counts.failed) - failed);
  return "█".repeat(Math.max(0, done)) + "x".repeat(failed) + "░".repeat(Math.max(0, width - done - failed));
}

function countsLine(label: string, c: JobCounts, width: number): string {
  const finished = c.succeeded + c.failed;
  const pct = c.expected > 0 ? Math.floor((finished / c.expected) * 100) : 0;
  return (
    `${label.padEnd(6)} [${bar(c, width)}] ${String(pct).padStart(3)}%  ` +
    `${c.succeeded}/${c.expected} done, ${c.failed} failed, ${c.running} running`
  );
}

/** "openai http://127.0.0.1:8787/v1: limit 16 across 2 processes, halved to 16 on a 429; …" (reasons hold parentheses of their own) */
export function formatLimit(l: KeyLimitSnapshot): string {
  const across = l.processes > 1 ? ` across ${l.processes} processes` : "";
  return `${l.vendor} ${l.baseUrl}: limit ${l.limit}${across}${l.reason ? `, ${l.reason}` : ""}`;
}

/** " (run: $0.1200 of $5.0000 budget)" for a run with a budget, else "". */
function budgetText(p: ProgressSnapshot): string {
  if (p.budgetUsd === null || p.budgetUsd === undefined) return "";
  return ` (run: ${formatCost(p.spentUsd ?? 0)} of ${formatCost(p.budgetUsd)} budget)`;
}

/** The lines of one snapshot (three, then one per vendor key, of at most `columns` characters where the bar allows). */
export function renderProgress(p: ProgressSnapshot, columns = 80): string[] {
  const width = Math.max(10, Math.min(40, columns - 50));
  const status = p.runStatus && p.runStatus !== "running" ? `  [${p.runStatus}]` : "";
  return [
    countsLine("notes", p.notes, width),
    countsLine("grades", p.grades, width),
    `cost ${formatCost(p.costUsd, p.unpriced)}${budgetText(p)}  tokens ${formatTokens(p.inputTokens)} in / ${formatTokens(p.outputTokens)} out  ` +
      `elapsed ${formatDuration(p.elapsedMs)}  ETA ${p.done ? "0s" : formatDuration(p.etaMs)}${status}`,
    ...(p.limits ?? []).map((l) => formatLimit(l).slice(0, columns)),
  ];
}

export interface ProgressViewOptions {
  out: Writable & { isTTY?: boolean; columns?: number };
  /** Non-terminal output: ms between two lines (the last snapshot is always written). */
  lineIntervalMs?: number;
  now?: () => number;
}

/**
 * To the start of the line `lines` above. The carriage return matters: the terminal echoes a Ctrl-C
 * as "^C" where the cursor is, and moving up alone keeps that column, which left the first
 * characters of the bars in front of the next message ("noCtrl-C: cancelling…").
 */
const cursorUp = (lines: number) => `\r\x1b[${lines}A`;

export class ProgressView {
  private drawnLines = 0;
  private lastLineAt = -Infinity;
  private last: ProgressSnapshot | undefined;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressViewOptions) {
    this.tty = Boolean(options.out.isTTY);
  }

  update(p: ProgressSnapshot): void {
    this.last = p;
    const now = (this.options.now ?? Date.now)();
    if (this.tty) return this.redraw(p);
    if (now - this.lastLineAt < (this.options.lineIntervalMs ?? 3000)) return;
    this.lastLineAt = now;
    this.writeLine(p);
  }

  /** Writes the last snapshot for good (always, on a terminal or not). */
  finish(p: ProgressSnapshot | undefined = this.last): void {
    if (!p) return;
    if (this.tty) this.redraw(p);
    else this.writeLine(p);
    this.drawnLines = 0;
  }

  /** Writes a message above the bars without breaking the redraw. */
  log(message: string): void {
    if (!this.tty) {
      this.options.out.write(`${message}\n`);
      return;
    }
    const redraw = this.drawnLines > 0 && this.last;
    this.options.out.write(`${this.drawnLines > 0 ? cursorUp(this.drawnLines) : "\r"}\x1b[J${message}\n`);
    this.drawnLines = 0;
    if (redraw) this.redraw(redraw);
  }

  private redraw(p: ProgressSnapshot): void {
    const lines = renderProgress(p, this.options.out.columns ?? 80);
    const up = this.drawnLines > 0 ? cursorUp(this.drawnLines) : "\r";
    this.options.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(""));
    this.drawnLines = lines.length;
  }

  private writeLine(p: ProgressSnapshot): void {
    const n = p.notes;
    const g = p.grades;
    this.options.out.write(
      `notes ${n.succeeded}/${n.expected} (${n.failed} failed)  grades ${g.succeeded}/${g.expected} (${g.failed} failed)  ` +
        `cost ${formatCost(p.costUsd, p.unpriced)}${budgetText(p)}  ETA ${p.done ? "0s" : formatDuration(p.etaMs)}` +
        `${p.runStatus && p.runStatus !== "running" ? `  [${p.runStatus}]` : ""}` +
        (p.limits ?? []).map((l) => `  ${formatLimit(l)}`).join("") +
        "\n",
    );
  }
}
