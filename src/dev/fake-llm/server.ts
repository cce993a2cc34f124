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
 *   POST   /__admin/reset       faults, scripts, log, counters, latency back to the start → { ok }
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fakeValue, makeRng, malformedJson, schemaViolation, seedFor, wordsOf } from "./answer";

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
}

export interface FakeLlmServer {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  requests: FakeRequestLog[];
  requestCount(filter?: FakeMatch & { status?: number }): number;
  /** Requests being handled now, and the most seen at once, per vendor, since the last reset. */
  stats(): { total: number; inFlight: Record<FakeVendor, number>; maxInFlight: Record<FakeVendor, number> };
  setLatency(ms: number): void;
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
    const tagHeader = req.headers["x-fake-tag"];
    const incoming: Incoming = { vendor, path, model, tag: typeof tagHeader === "string" ? tagHeader : null, bodyText };
    const fault = faults.length ? pickFault(incoming) : null;
    const script = !fault && scripts.length ? pickScript(incoming) : null;
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
    };
    if (logBodies) entry.body = body;
    total++;
    requests.push(entry);
    if (requests.length > maxLog) requests.splice(0, requests.length - maxLog);

    inFlight[vendor]++;
    if (inFlight[vendor] > maxInFlight[vendor]) maxInFlight[vendor] = inFlight[vendor];
    res.once("close", () => inFlight[vendor]--);

    const answer = () => {
      if (res.destroyed || res.writableEnded) return;
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
      if (rawUrl.startsWith("/__admin/")) handleAdmin(req, res, new URL(rawUrl, "http://fake"), bodyText);
      else handleVendor(req, res, rawUrl.split("?")[0], bodyText);
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
