/**
 * A fake LLM vendor at the network edge: one node:http server on 127.0.0.1 that speaks OpenAI
 * `POST /v1/chat/completions` and Anthropic `POST /v1/messages`, streaming (each vendor's SSE events)
 * and not, so the real `openai` and `@anthropic-ai/sdk` clients run against it unchanged.
 *
 * Answers fit the JSON schema of the request (OpenAI response_format.json_schema, Anthropic tool
 * input_schema) and are deterministic given the request body and the seed. Usage is chars / 4.
 *
 * Faults, scripted answers and latency are set in-process (addFault, addScriptedAnswer, setLatency)
 * or over HTTP from another process (see ADMIN below). A request goes: log it → first fault rule that
 * fires → else first scripted answer that matches → else a generated answer; after the latency.
 *
 * ADMIN (tiny, JSON in and out):
 *   GET    /__admin/requests[?vendor=&model=&tag=&bodies=1]  → { count, requests }
 *   GET    /__admin/stats                                   → { total, inFlight, maxInFlight }
 *   POST   /__admin/faults      a FaultRule or an array     → { ok, rules }
 *   DELETE /__admin/faults                                  → { ok }
 *   POST   /__admin/scripted    a ScriptedAnswer or array   → { ok }
 *   POST   /__admin/latency     { "ms": 50 }                → { ok }
 *   POST   /__admin/models      { "models": [...] | null }  → { ok }   (null: every model exists)
 *   POST   /__admin/keys        { "refused": [...], "quotaExhausted": [...] } → { ok }
 *   POST   /__admin/rate-limits { "requests": 100, "tokens": 200000, "windowMs": 1000 } | null → { ok }
 *   POST   /__admin/reset       faults, scripts, log, counters, latency, models, keys back to the start → { ok }
 *
 * Like the real vendors it also answers `GET /v1/models` and `GET /v1/models/{id}` (OpenAI's shape
 * when the request carries no `anthropic-version` header, Anthropic's when it does), refuses
 * keys listed as refused (401) or out of quota (429 insufficient_quota / 400 billing), and refuses
 * with a 400 what the real vendor refuses for a model's family (./refusals.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fakeValue, makeRng, malformedJson, schemaViolation, seedFor, wordsOf } from "./answer";
import { keyOf, modelsAnswer, type FakeModelInfo } from "./models";
import { FakeRateLimiter, type FakeRateLimits } from "./rate-limits";
import { refusalOf } from "./refusals";

export type FakeVendor = "openai" | "anthropic";
export type FaultKind = "429" | "500" | "529" | "401" | "400" | "hang" | "reset" | "malformed_json" | "schema_violation";
export const FAULT_KINDS: readonly FaultKind[] = [
  "429",
  "500",
  "529",
  "401",
  "400",
  "hang",
  "reset",
  "malformed_json",
  "schema_violation",
];

/** Every given field must match; an empty match matches every request. */
export interface FakeMatch {
  vendor?: FakeVendor;
  /** The request's `x-fake-tag` header. */
  tag?: string;
  model?: string;
  pathIncludes?: string;
  /** A substring of the raw request body (e.g. a word of the transcript, or "was rejected"). */
  bodyIncludes?: string;
}

export interface FaultRule {
  match?: FakeMatch;
  fault: FaultKind;
  /** How many matching requests get the fault (default: all). */
  times?: number;
  /** Fault only every k-th matching request (k, 2k, …), deterministically (default 1). */
  every?: number;
  /** For 429/5xx: sent as `retry-after` (seconds). */
  retryAfterSeconds?: number;
  /** For 429/5xx: sent as `retry-after-ms` (and a rounded-up `retry-after`). */
  retryAfterMs?: number;
}

export interface ScriptedAnswer {
  match?: FakeMatch;
  /** The JSON value to answer with (a string is sent as the raw text answer). */
  content: unknown;
  /** How many matching requests get it (default: all). */
  times?: number;
}

export interface FakeRequestLog {
  id: number;
  vendor: FakeVendor | null;
  path: string;
  model: string | null;
  stream: boolean;
  /** HTTP status answered; 0 for hang and reset (no answer). */
  status: number;
  receivedAt: number;
  tag: string | null;
  fault: FaultKind | null;
  /** The tokens a rate limit charges for it (request body chars / 4), answered or 429'd. */
  tokens: number;
  /** The parsed request body, kept while options.logBodies (default true). */
  body?: Record<string, unknown>;
}

export interface FakeLlmServerOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** Varies every generated answer (default 1). */
  seed?: number;
  /** Delay before answering each request (default 0). */
  latencyMs?: number;
  /** Keep request bodies in the log (default true; a long benchmark may turn it off). */
  logBodies?: boolean;
  /** Oldest log entries are dropped beyond this many (default 50,000). Counters keep counting. */
  maxLogEntries?: number;
  /** The models the models endpoint lists; requests for others get 404. Default: every model exists. */
  models?: (string | FakeModelInfo)[] | null;
  /** Models that refuse a temperature, beyond the real vendors' own (./refusals.ts). */
  refuseTemperature?: string[];
  /** Requests and tokens per window per key, with the vendors' headers and 429s (./rate-limits.ts). Default: none. */
  rateLimits?: FakeRateLimits | null;
}

export interface FakeKeyRules {
  /** Keys answered 401 (authentication error) on every request. */
  refused?: string[];
  /** Keys answered with the vendor's quota / billing error on every generation request. */
  quotaExhausted?: string[];
}

export interface FakeLlmServer {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  requests: FakeRequestLog[];
  /** Without a filter: generation requests only (models-endpoint requests are logged, not counted). */
  requestCount(filter?: FakeMatch & { status?: number }): number;
  /** Requests being handled now, and the most seen at once, per vendor, since the last reset. */
  stats(): { total: number; inFlight: Record<FakeVendor, number>; maxInFlight: Record<FakeVendor, number> };
  setLatency(ms: number): void;
  /** null: every model exists (the default). */
  setModels(models: (string | FakeModelInfo)[] | null): void;
  setKeys(rules: FakeKeyRules): void;
  /** null: no rate limits. Buckets start full. */
  setRateLimits(limits: FakeRateLimits | null): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  addScriptedAnswer(answer: ScriptedAnswer): void;
  reset(): void;
  close(): Promise<void>;
}

interface LiveRule<T> {
  rule: T;
  seen: number;
  applied: number;
}

interface Incoming {
  vendor: FakeVendor | null;
  path: string;
  model: string;
  tag: string | null;
  bodyText: string;
}

function matches(m: FakeMatch | undefined, r: Incoming): boolean {
  if (!m) return true;
  if (m.vendor !== undefined && m.vendor !== r.vendor) return false;
  if (m.model !== undefined && m.model !== r.model) return false;
  if (m.tag !== undefined && m.tag !== r.tag) return false;
  if (m.pathIncludes !== undefined && !r.path.includes(m.pathIncludes)) return false;
  if (m.bodyIncludes !== undefined && !r.bodyText.includes(m.bodyIncludes)) return false;
  return true;
}

const ERROR_TYPES: Record<string, { openai: string; anthropic: string; message: string }> = {
  "400": { openai: "invalid_request_error", anthropic: "invalid_request_error", message: "Invalid request (fake fault)" },
  "401": { openai: "invalid_api_key", anthropic: "authentication_error", message: "Invalid API key (fake fault)" },
  "429": { openai: "rate_limit_exceeded", anthropic: "rate_limit_error", message: "Rate limit reached (fake fault)" },
  "500": { openai: "server_error", anthropic: "api_error", message: "Internal server error (fake fault)" },
  "529": { openai: "overloaded", anthropic: "overloaded_error", message: "Overloaded (fake fault)" },
};

function normaliseModels(list: (string | FakeModelInfo)[] | null): FakeModelInfo[] | null {
  return list === null ? null : list.map((m) => (typeof m === "string" ? { id: m } : m));
}

/** The vendors' own wording for a refused key and for an exhausted quota. */
const KEY_ERRORS = {
  refused: {
    openai: { status: 401, type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." },
    anthropic: { status: 401, type: "authentication_error", code: null, message: "invalid x-api-key" },
  },
  quota: {
    openai: {
      status: 429,
      type: "insufficient_quota",
      code: "insufficient_quota",
      message: "You exceeded your current quota, please check your plan and billing details.",
    },
    anthropic: {
      status: 400,
      type: "invalid_request_error",
      code: null,
      message:
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
    },
  },
} as const;

function vendorOf(path: string): FakeVendor | null {
  if (path.endsWith("/chat/completions")) return "openai";
  if (path.endsWith("/messages")) return "anthropic";
  return null;
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role !== "user") continue;
    const c = messages[i].content;
    if (typeof c === "string") return c;
    if (Array.isArray(c)) return c.map((b: { text?: string }) => b.text ?? "").join(" ");
  }
  return "";
}

const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

export async function makeFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const seed = options.seed ?? 1;
  const logBodies = options.logBodies ?? true;
  const maxLog = options.maxLogEntries ?? 50_000;
  let latencyMs = options.latencyMs ?? 0;
  let faults: LiveRule<FaultRule>[] = [];
  let scripts: LiveRule<ScriptedAnswer>[] = [];
  let models: FakeModelInfo[] | null = normaliseModels(options.models ?? null);
  let refusedKeys = new Set<string>();
  let quotaKeys = new Set<string>();
  const noTemperature = new Set(options.refuseTemperature ?? []);
  let rateLimiter = options.rateLimits ? new FakeRateLimiter(options.rateLimits) : null;
  const requests: FakeRequestLog[] = [];
  let total = 0;
  let nextId = 1;
  const inFlight: Record<FakeVendor, number> = { openai: 0, anthropic: 0 };
  const maxInFlight: Record<FakeVendor, number> = { openai: 0, anthropic: 0 };

  function pickFault(r: Incoming): FaultRule | null {
    for (const live of faults) {
      if (live.applied >= (live.rule.times ?? Infinity) || !matches(live.rule.match, r)) continue;
      live.seen++;
      if (live.seen % (live.rule.every ?? 1) !== 0) continue;
      live.applied++;
      return live.rule;
    }
    return null;
  }

  function pickScript(r: Incoming): ScriptedAnswer | null {
    for (const live of scripts) {
      if (live.applied >= (live.rule.times ?? Infinity) || !matches(live.rule.match, r)) continue;
      live.applied++;
      return live.rule;
    }
    return null;
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function sendSse(res: http.ServerResponse, events: { event?: string; data: unknown }[]): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    let out = "";
    for (const e of events) {
      if (e.event) out += `event: ${e.event}\n`;
      out += `data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`;
    }
    res.end(out);
  }

  function sendError(res: http.ServerResponse, vendor: FakeVendor, rule: FaultRule): number {
    const status = Number(rule.fault);
    const t = ERROR_TYPES[rule.fault];
    const headers: Record<string, string> = {};
    if (rule.retryAfterMs !== undefined) {
      headers["retry-after-ms"] = String(rule.retryAfterMs);
      headers["retry-after"] = String(Math.ceil(rule.retryAfterMs / 1000));
    } else if (rule.retryAfterSeconds !== undefined) headers["retry-after"] = String(rule.retryAfterSeconds);
    const body =
      vendor === "openai"
        ? { error: { message: t.message, type: t.openai, code: t.openai, param: null } }
        : { type: "error", error: { type: t.anthropic, message: t.message } };
    sendJson(res, status, body, headers);
    return status;
  }

  function sendVendorError(
    res: http.ServerResponse,
    vendor: FakeVendor,
    status: number,
    type: string,
    code: string | null,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    const body =
      vendor === "openai" ? { error: { message, type, code, param: null } } : { type: "error", error: { type, message } };
    sendJson(res, status, body, headers);
  }

  function handleModels(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const vendor: FakeVendor = req.headers["anthropic-version"] !== undefined ? "anthropic" : "openai";
    const key = keyOf(req.headers);
    const entry: FakeRequestLog = {
      id: nextId++,
      vendor,
      path,
      model: null,
      stream: false,
      status: 0,
      receivedAt: Date.now(),
      tag: null,
      fault: null,
      tokens: 0,
    };
    requests.push(entry);
    if (refusedKeys.has(key)) {
      const e = KEY_ERRORS.refused[vendor];
      entry.status = e.status;
      sendVendorError(res, vendor, e.status, e.type, e.code, e.message);
      return;
    }
    const answer = modelsAnswer(vendor, decodeURIComponent(path.slice("/v1/models".length).replace(/^\//, "")), models);
    entry.status = answer.status;
    if (answer.status === 200) sendJson(res, 200, answer.body);
    else
      sendVendorError(
        res,
        vendor,
        404,
        vendor === "openai" ? "invalid_request_error" : "not_found_error",
        "model_not_found",
        answer.message,
      );
  }

  /** The answer's JSON text, or plain text when the request asked for no structure. */
  function answerText(
    schema: Record<string, unknown> | undefined,
    body: Record<string, unknown>,
    bodyText: string,
    fault: FaultRule | null,
    script: ScriptedAnswer | null,
  ): { text: string; value?: unknown } {
    if (script) {
      return typeof script.content === "string"
        ? { text: script.content }
        : { text: JSON.stringify(script.content), value: script.content };
    }
    const rng = makeRng(seedFor(bodyText, seed));
    const words = wordsOf(lastUserText(body));
    if (!schema) return { text: words.slice(0, 12).join(" ") };
    if (fault?.fault === "schema_violation") {
      const value = schemaViolation(schema);
      return { text: JSON.stringify(value), value };
    }
    const value = fakeValue(schema, rng, words);
    const text = JSON.stringify(value);
    if (fault?.fault === "malformed_json") return { text: malformedJson(text) };
    return { text, value };
  }

  function answerOpenAi(
    res: http.ServerResponse,
    body: Record<string, unknown>,
    bodyText: string,
    model: string,
    fault: FaultRule | null,
    script: ScriptedAnswer | null,
  ): void {
    const rf = body.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
    const schema =
      rf?.type === "json_schema"
        ? rf.json_schema?.schema
        : rf?.type === "json_object"
          ? { type: "object", properties: {} }
          : undefined;
    const { text } = answerText(schema, body, bodyText, fault, script);
    const usage = { prompt_tokens: tokens(bodyText.length), completion_tokens: tokens(text.length), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `chatcmpl-fake-${nextId}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream) {
      const chunk = (delta: unknown, finish: string | null) => ({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      const third = Math.ceil(text.length / 3) || 1;
      const events: { data: unknown }[] = [{ data: chunk({ role: "assistant", content: "" }, null) }];
      for (let i = 0; i < text.length; i += third) events.push({ data: chunk({ content: text.slice(i, i + third) }, null) });
      events.push({ data: chunk({}, "stop") });
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
        events.push({ data: { id, object: "chat.completion.chunk", created, model, choices: [], usage } });
      }
      events.push({ data: "[DONE]" });
      sendSse(res, events);
      return;
    }
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        { index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: "stop", logprobs: null },
      ],
      usage,
    });
  }

  function answerAnthropic(
    res: http.ServerResponse,
    body: Record<string, unknown>,
    bodyText: string,
    model: string,
    fault: FaultRule | null,
    script: ScriptedAnswer | null,
  ): void {
    const tools = (body.tools as { name: string; input_schema?: Record<string, unknown> }[] | undefined) ?? [];
    const choice = body.tool_choice as { type?: string; name?: string } | undefined;
    const tool =
      choice?.type === "tool" ? tools.find((t) => t.name === choice.name) : choice?.type === "none" ? undefined : tools[0];
    const { text, value } = answerText(tool?.input_schema, body, bodyText, fault, script);
    type Block =
      | { type: "text"; text: string }
      | { type: "tool_use"; id: string; name: string; input: unknown }
      | { type: "thinking"; thinking: string; signature: string };
    const content: Block[] = [];
    if (body.thinking)
      content.push({ type: "thinking", thinking: "Let me weigh the request (fake).", signature: "fake-signature" });
    if (tool && value !== undefined && typeof value === "object" && value !== null && !Array.isArray(value)) {
      content.push({ type: "tool_use", id: `toolu_fake_${nextId}`, name: tool.name, input: value });
    } else content.push({ type: "text", text });
    const stopReason = content[content.length - 1].type === "tool_use" ? "tool_use" : "end_turn";
    const usage = { input_tokens: tokens(bodyText.length), output_tokens: tokens(text.length) };
    const id = `msg_fake_${nextId}`;
    if (body.stream) {
      const events: { event: string; data: unknown }[] = [
        {
          event: "message_start",
          data: {
            type: "message_start",
            message: {
              id,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
            },
          },
        },
      ];
      content.forEach((block, index) => {
        if (block.type === "tool_use") {
          events.push({
            event: "content_block_start",
            data: { type: "content_block_start", index, content_block: { ...block, input: {} } },
          });
          events.push({
            event: "content_block_delta",
            data: {
              type: "content_block_delta",
              index,
              delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
            },
          });
        } else if (block.type === "thinking") {
          events.push({
            event: "content_block_start",
            data: { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } },
          });
          events.push({
            event: "content_block_delta",
            data: { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: block.thinking } },
          });
          events.push({
            event: "content_block_delta",
            data: { type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } },
          });
        } else {
          events.push({
            event: "content_block_start",
            data: { type: "content_block_start", index, content_block: { type: "text", text: "" } },
          });
          events.push({
            event: "content_block_delta",
            data: { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } },
          });
        }
        events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
      });
      events.push({
        event: "message_delta",
        data: {
          type: "message_delta",
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: usage.output_tokens },
        },
      });
      events.push({ event: "message_stop", data: { type: "message_stop" } });
      sendSse(res, events);
      return;
    }
    sendJson(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }

  function handleVendor(req: http.IncomingMessage, res: http.ServerResponse, path: string, bodyText: string): void {
    const vendor = vendorOf(path);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(bodyText) as Record<string, unknown>;
    } catch {
      sendJson(res, 400, { error: { message: "fake server: request body is not JSON" } });
      return;
    }
    if (!vendor || req.method !== "POST") {
      sendJson(res, 404, { error: { message: `fake server: no route ${req.method} ${path}` } });
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    const key = keyOf(req.headers);
    const keyRule = refusedKeys.has(key) ? KEY_ERRORS.refused : quotaKeys.has(key) ? KEY_ERRORS.quota : null;
    const refusal = keyRule ? null : refusalOf(vendor, body, noTemperature);
    const unknownModel = !keyRule && !refusal && models !== null && !models.some((m) => m.id === model);
    const tagHeader = req.headers["x-fake-tag"];
    const incoming: Incoming = { vendor, path, model, tag: typeof tagHeader === "string" ? tagHeader : null, bodyText };
    let refused = keyRule !== null || refusal !== null || unknownModel;
    const charged = tokens(bodyText.length);
    const admission = !refused && rateLimiter ? rateLimiter.admit(vendor, key, charged) : null;
    if (admission) {
      for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
      refused = !admission.ok;
    }
    const fault = !refused && faults.length ? pickFault(incoming) : null;
    const script = !refused && !fault && scripts.length ? pickScript(incoming) : null;
    const entry: FakeRequestLog = {
      id: nextId++,
      vendor,
      path,
      model,
      stream: body.stream === true,
      status: 0,
      receivedAt: Date.now(),
      tag: incoming.tag,
      fault: fault?.fault ?? null,
      tokens: charged,
    };
    if (logBodies) entry.body = body;
    total++;
    requests.push(entry);
    if (requests.length > maxLog) requests.splice(0, requests.length - maxLog);

    inFlight[vendor]++;
    if (inFlight[vendor] > maxInFlight[vendor]) maxInFlight[vendor] = inFlight[vendor];
    res.once("close", () => inFlight[vendor]--);

    if (admission && !admission.ok) {
      // The vendors answer a rate limit at once, without the model's latency.
      entry.status = 429;
      sendVendorError(
        res,
        vendor,
        429,
        vendor === "openai" ? "requests" : "rate_limit_error",
        "rate_limit_exceeded",
        `Rate limit reached on ${admission.short} (fake)`,
      );
      return;
    }
    const receivedAt = performance.now();
    const answer = () => {
      if (res.destroyed || res.writableEnded) return;
      // OpenAI says how long it worked on a request (the rate-limit headers were written when it arrived).
      if (vendor === "openai") res.setHeader("openai-processing-ms", String(Math.round(performance.now() - receivedAt)));
      if (keyRule) {
        const e = keyRule[vendor];
        entry.status = e.status;
        sendVendorError(res, vendor, e.status, e.type, e.code, e.message);
        return;
      }
      if (refusal) {
        entry.status = 400;
        sendVendorError(res, vendor, 400, "invalid_request_error", null, refusal);
        return;
      }
      if (unknownModel) {
        entry.status = 404;
        const message =
          vendor === "openai" ? `The model \`${model}\` does not exist or you do not have access to it.` : `model: ${model}`;
        sendVendorError(
          res,
          vendor,
          404,
          vendor === "openai" ? "invalid_request_error" : "not_found_error",
          "model_not_found",
          message,
        );
        return;
      }
      switch (fault?.fault) {
        case "hang":
          return; // keep the request open until the client gives up or the server closes
        case "reset":
          req.socket.destroy();
          return;
        case "400":
        case "401":
        case "429":
        case "500":
        case "529":
          entry.status = sendError(res, vendor, fault);
          return;
        default:
          entry.status = 200;
          if (vendor === "openai") answerOpenAi(res, body, bodyText, model, fault, script);
          else answerAnthropic(res, body, bodyText, model, fault, script);
      }
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  }

  function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL, bodyText: string): void {
    const route = `${req.method} ${url.pathname}`;
    let payload: unknown;
    try {
      payload = bodyText ? JSON.parse(bodyText) : undefined;
    } catch {
      sendJson(res, 400, { error: "admin: body is not JSON" });
      return;
    }
    switch (route) {
      case "GET /__admin/requests": {
        const q = url.searchParams;
        const filter: FakeMatch = {};
        if (q.get("vendor")) filter.vendor = q.get("vendor") as FakeVendor;
        if (q.get("model")) filter.model = q.get("model")!;
        if (q.get("tag")) filter.tag = q.get("tag")!;
        const withBodies = q.get("bodies") === "1";
        const list = requests.filter((r) => logMatches(r, filter)).map((r) => (withBodies ? r : { ...r, body: undefined }));
        sendJson(res, 200, { count: list.length, requests: list });
        return;
      }
      case "GET /__admin/stats":
        sendJson(res, 200, server.stats());
        return;
      case "POST /__admin/faults": {
        const rules = (Array.isArray(payload) ? payload : [payload]) as FaultRule[];
        for (const rule of rules) {
          if (!rule || !FAULT_KINDS.includes(rule.fault)) {
            sendJson(res, 400, { error: `admin: fault must be one of ${FAULT_KINDS.join(", ")}` });
            return;
          }
        }
        rules.forEach((r) => server.addFault(r));
        sendJson(res, 200, { ok: true, rules: faults.length });
        return;
      }
      case "DELETE /__admin/faults":
        server.clearFaults();
        sendJson(res, 200, { ok: true });
        return;
      case "POST /__admin/scripted":
        ((Array.isArray(payload) ? payload : [payload]) as ScriptedAnswer[]).forEach((s) => server.addScriptedAnswer(s));
        sendJson(res, 200, { ok: true });
        return;
      case "POST /__admin/latency": {
        const ms = Number((payload as { ms?: unknown } | undefined)?.ms);
        if (!Number.isFinite(ms) || ms < 0) {
          sendJson(res, 400, { error: "admin: latency needs { ms: number >= 0 }" });
          return;
        }
        server.setLatency(ms);
        sendJson(res, 200, { ok: true });
        return;
      }
      case "POST /__admin/models": {
        const list = (payload as { models?: unknown } | undefined)?.models;
        if (list !== null && !Array.isArray(list)) {
          sendJson(res, 400, { error: "admin: models needs { models: [ids] | null }" });
          return;
        }
        server.setModels(list as string[] | null);
        sendJson(res, 200, { ok: true });
        return;
      }
      case "POST /__admin/rate-limits":
        server.setRateLimits((payload as FakeRateLimits | null | undefined) ?? null);
        sendJson(res, 200, { ok: true });
        return;
      case "POST /__admin/keys":
        server.setKeys((payload ?? {}) as FakeKeyRules);
        sendJson(res, 200, { ok: true });
        return;
      case "POST /__admin/reset":
        server.reset();
        sendJson(res, 200, { ok: true });
        return;
      default:
        sendJson(res, 404, { error: `admin: no route ${route}` });
    }
  }

  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const bodyText = chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8");
      const rawUrl = req.url ?? "/";
      const path = rawUrl.split("?")[0];
      if (rawUrl.startsWith("/__admin/")) handleAdmin(req, res, new URL(rawUrl, "http://fake"), bodyText);
      else if (req.method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/"))) handleModels(req, res, path);
      else handleVendor(req, res, path, bodyText);
    });
  });
  httpServer.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;

  function logMatches(r: FakeRequestLog, f: FakeMatch & { status?: number }): boolean {
    if (f.vendor !== undefined && r.vendor !== f.vendor) return false;
    if (f.model !== undefined && r.model !== f.model) return false;
    if (f.tag !== undefined && r.tag !== f.tag) return false;
    if (f.pathIncludes !== undefined && !r.path.includes(f.pathIncludes)) return false;
    if (f.status !== undefined && r.status !== f.status) return false;
    if (f.bodyIncludes !== undefined && !(r.body && JSON.stringify(r.body).includes(f.bodyIncludes))) return false;
    return true;
  }

  const server: FakeLlmServer = {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    requestCount(filter) {
      if (!filter) return total;
      let n = 0;
      for (const r of requests) if (logMatches(r, filter)) n++;
      return n;
    },
    stats: () => ({ total, inFlight: { ...inFlight }, maxInFlight: { ...maxInFlight } }),
    setLatency(ms) {
      latencyMs = ms;
    },
    setModels(list) {
      models = normaliseModels(list);
    },
    setRateLimits(limits) {
      rateLimiter = limits ? new FakeRateLimiter(limits) : null;
    },
    setKeys(rules) {
      refusedKeys = new Set(rules.refused ?? []);
      quotaKeys = new Set(rules.quotaExhausted ?? []);
    },
    addFault(rule) {
      faults.push({ rule, seen: 0, applied: 0 });
    },
    clearFaults() {
      faults = [];
    },
    addScriptedAnswer(answer) {
      scripts.push({ rule: answer, seen: 0, applied: 0 });
    },
    reset() {
      faults = [];
      scripts = [];
      requests.length = 0;
      total = 0;
      latencyMs = options.latencyMs ?? 0;
      models = normaliseModels(options.models ?? null);
      refusedKeys = new Set();
      quotaKeys = new Set();
      rateLimiter = options.rateLimits ? new FakeRateLimiter(options.rateLimits) : null;
      maxInFlight.openai = inFlight.openai;
      maxInFlight.anthropic = inFlight.anthropic;
    },
    close() {
      return new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
  return server;
}
