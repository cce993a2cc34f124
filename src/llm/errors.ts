/**
 * One error type for every failure of the layer, and the one place that decides which vendor
 * failures are retryable. Messages are built here from vendor, status and a short body excerpt,
 * never from the SDKs' own errors (those may carry request headers, i.e. the API key).
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Usage, Vendor } from "./types";

/**
 * - transport, timeout: worth another try (429 rate limits, 5xx, 529, resets).
 * - auth: the vendor refused the key (401/403); no retry will change that.
 * - quota: the account is out of quota or credit (OpenAI 429 `insufficient_quota`, Anthropic's
 *   "credit balance is too low", any 402); a retry will not help until someone pays.
 * - bad_request: the vendor refused this request (400, 404 …); invalid_output: no valid answer.
 */
export type LlmErrorKind = "transport" | "invalid_output" | "aborted" | "timeout" | "auth" | "quota" | "bad_request";

/**
 * What a failure means for the whole run, decided here rather than in the runner: `failed` when the
 * vendor keeps refusing the key (no job can succeed), `paused` when the account is out of quota or
 * credit (jobs can succeed once someone pays, and the run is started again).
 */
export interface RunStop {
  status: "failed" | "paused";
  /** For people: what happened and what to do. */
  reason: string;
}

export class LlmError extends Error {
  override name = "LlmError";
  kind: LlmErrorKind;
  retryable: boolean;
  /** Set when retrying cannot help any job of the run: the run should stop (see RunStop). */
  stopsRun?: RunStop;
  /** What the failed call spent (requests, tokens of invalid answers, cost, latency). */
  usage: Usage;
  status?: number;

  constructor(
    kind: LlmErrorKind,
    message: string,
    usage: Usage,
    options: { retryable?: boolean; status?: number; stopsRun?: RunStop } = {},
  ) {
    super(message);
    this.kind = kind;
    this.usage = usage;
    this.status = options.status;
    if (options.stopsRun) this.stopsRun = options.stopsRun;
    this.retryable = options.retryable ?? (kind === "transport" || kind === "timeout");
  }
}

/** HTTP statuses that are worth another try: timeout, conflict/lock, rate limit, server, overloaded. */
const RETRYABLE_STATUSES = new Set([408, 409, 429]);
export const STATUS_OVERLOADED = 529;

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || status >= 500;
}

/** Replace every occurrence of each secret, and anything shaped like an API key, with a marker. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(/\b(sk-(?:ant-)?[A-Za-z0-9_-]{6,})/g, "[redacted]");
}

/** What one failed attempt was, before it is wrapped as an LlmError with the call's usage. */
export interface AttemptFailure {
  kind: LlmErrorKind;
  retryable: boolean;
  status?: number;
  message: string;
  /** From Retry-After / retry-after-ms, when the vendor sent one. */
  retryAfterMs?: number;
}

interface SdkLikeError {
  name?: string;
  status?: number;
  headers?: { get(name: string): string | null } | Record<string, string>;
  error?: unknown;
  message?: string;
  code?: string;
  cause?: unknown;
}

function headerOf(headers: SdkLikeError["headers"], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  return (headers as Record<string, string>)[name];
}

export function parseRetryAfter(headers: SdkLikeError["headers"]): number | undefined {
  const ms = headerOf(headers, "retry-after-ms");
  if (ms !== undefined && ms !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const raw = headerOf(headers, "retry-after");
  if (raw === undefined || raw === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** OpenAI says `insufficient_quota` (on a 429, unlike a rate limit); Anthropic speaks of credit balance. */
function isQuotaError(status: number, body: unknown): boolean {
  if (status === 402) return true;
  const inner = ((body as { error?: unknown } | undefined)?.error ?? body) as
    { type?: unknown; code?: unknown; message?: unknown } | undefined;
  if (!inner || typeof inner !== "object") return false;
  if (inner.code === "insufficient_quota" || inner.type === "insufficient_quota") return true;
  return status === 400 && typeof inner.message === "string" && /credit balance|billing/i.test(inner.message);
}

function excerpt(body: unknown): string {
  if (body === undefined || body === null) return "";
  let text: string;
  if (typeof body === "string") text = body;
  else {
    const inner = (body as { error?: { message?: unknown } }).error;
    const message = (body as { message?: unknown }).message ?? inner?.message;
    text = typeof message === "string" ? message : JSON.stringify(body);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Classify whatever the SDK threw. `aborted` is decided by the caller's signal, not by the error
 * class, because a timeout also surfaces as an abort inside fetch.
 */
export function classifySdkError(err: unknown, vendor: Vendor, signal: AbortSignal | undefined): AttemptFailure {
  if (signal?.aborted) return { kind: "aborted", retryable: false, message: `${vendor} request aborted` };
  const e = (err ?? {}) as SdkLikeError;
  if (err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError) {
    return { kind: "timeout", retryable: true, message: `${vendor} request timed out` };
  }
  if (err instanceof OpenAI.APIUserAbortError || err instanceof Anthropic.APIUserAbortError) {
    return { kind: "aborted", retryable: false, message: `${vendor} request aborted` };
  }
  if (err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError) {
    const cause = (e.cause as { code?: string; cause?: { code?: string } } | undefined) ?? {};
    const code = cause.code ?? cause.cause?.code;
    return { kind: "transport", retryable: true, message: `${vendor} connection failed${code ? ` (${code})` : ""}` };
  }
  if (typeof e.status === "number") {
    const status = e.status;
    const retryable = isRetryableStatus(status);
    const detail = excerpt(e.error);
    const message = `${vendor} answered HTTP ${status}${detail ? `: ${detail}` : ""}`;
    if (status === 401 || status === 403) return { kind: "auth", retryable: false, status, message };
    if (isQuotaError(status, e.error)) return { kind: "quota", retryable: false, status, message };
    if (!retryable) return { kind: "bad_request", retryable: false, status, message };
    return { kind: "transport", retryable: true, status, message, retryAfterMs: parseRetryAfter(e.headers) };
  }
  // Anything else (e.g. the SDK refusing a request before sending it) is not worth repeating.
  return { kind: "bad_request", retryable: false, message: `${vendor} request failed: ${excerpt(e.message ?? String(err))}` };
}
