/**
 * One structured call: send, validate, repair. Two loops, counted separately:
 *
 * - transport: a request that fails with a retryable status (408/409/429/5xx/529), a reset or a
 *   timeout is sent again after backoff (Retry-After wins), up to config.transportRetries times;
 * - structure: an answer that is not JSON, breaks the schema or fails the caller's own check is
 *   asked again with the bad answer and the error appended, up to config.structuredOutputTries.
 *
 * Every HTTP request counts in usage.requests, and every answer's tokens count, valid or not.
 * An abort stops either loop at once, including a backoff sleep or a wait in the vendor's limiter.
 */
import { backoffDelayMs, sleep } from "./backoff";
import type { LlmClients } from "./clients";
import { resolveBaseUrl, resolveModelName } from "./clients";
import { costUsd, emptyUsage } from "./cost";
import type { AttemptFailure } from "./errors";
import { LlmError, classifySdkError, parseRetryAfter, scrubSecrets } from "./errors";
import { headerGetter, readRateHeaders } from "./limits/headers";
import { modelFamily } from "./models/families";
import { validateSchema } from "./schema";
import type { JsonSchema, ModelSpec, Usage } from "./types";
import { sendAnthropic } from "./vendors/anthropic";
import { sendOpenAi } from "./vendors/openai";
import type { ChatMessage, RawAnswer, VendorRequest } from "./vendors/types";

export interface StructuredCall {
  system: string;
  user: string;
  schemaName: string;
  schemaDescription: string;
  schema: JsonSchema;
  /** Sent for plain calls to models that accept one (../models/families.ts). */
  temperature?: number;
  /** A check beyond the schema (e.g. ids in order); returns an error message or null. */
  check?: (value: unknown) => string | null;
  /** Waiting for the key's adaptive limits, higher goes first (default 0; ./limits/adaptive-limiter.ts). */
  priority?: number;
}

export interface StructuredResult<T> {
  value: T;
  usage: Usage;
  /** The temperature sent; null when none was (the vendor's default, 1). */
  temperature: number | null;
}

/** Longest excerpt of a bad answer quoted back in an error message. */
const BAD_ANSWER_EXCERPT = 300;

export async function callStructured<T>(
  clients: LlmClients,
  spec: ModelSpec,
  call: StructuredCall,
  signal?: AbortSignal,
): Promise<StructuredResult<T>> {
  const { config } = clients;
  const model = resolveModelName(config, spec);
  const usage = emptyUsage(spec.vendor, model);
  const started = performance.now();
  const secrets = [spec.apiKey];
  const fail = (kind: LlmError["kind"], message: string, opts: ConstructorParameters<typeof LlmError>[3] = {}): LlmError => {
    usage.costUsd = costUsd(config.prices, model, usage.inputTokens, usage.outputTokens);
    usage.latencyMs = Math.round(performance.now() - started);
    return new LlmError(kind, scrubSecrets(message, secrets), { ...usage }, opts);
  };
  if (!spec.apiKey) throw fail("auth", `${spec.vendor} model ${model}: no API key given`);

  const baseUrl = resolveBaseUrl(config, spec);
  const keyRefused = (): LlmError =>
    fail("auth", `${model}: the key for ${spec.vendor} was refused`, {
      stopsRun: {
        status: "failed",
        reason: `the key for ${spec.vendor} was refused (${config.keyRefusalsToStop} refusals in a row): set a working key and start the run again`,
      },
    });
  if (clients.keyHealth.isRefused(spec.vendor, spec.apiKey, baseUrl)) throw keyRefused();
  const family = modelFamily(spec.vendor, model);
  const reasoning = spec.reasoning === true ? family.reasoning : null;
  const temperature = spec.reasoning !== true && family.acceptsTemperature ? call.temperature : undefined;
  const messages: ChatMessage[] = [{ role: "user", content: call.user }];
  const request: VendorRequest = {
    model,
    system: call.system,
    messages,
    schemaName: call.schemaName,
    schemaDescription: call.schemaDescription,
    schema: call.schema,
    temperature,
    reasoning,
    maxOutputTokens: config.maxOutputTokens,
  };
  const sendOnce: () => Promise<RawAnswer> =
    spec.vendor === "openai"
      ? () => sendOpenAi(clients.openai(spec.apiKey, baseUrl), request, signal)
      : () => sendAnthropic(clients.anthropic(spec.apiKey, baseUrl), request, signal);
  const limiter = clients.limiters[spec.vendor];
  const counted = () => {
    usage.requests++;
    return sendOnce();
  };
  const queued: () => Promise<RawAnswer> = limiter ? () => limiter.add(counted, { signal }) as Promise<RawAnswer> : counted;
  // The key's adaptive limiter paces every request by its estimated tokens (characters / 4 of what
  // the vendor counts as input: the system prompt, the messages so far and the output schema) and
  // learns from each answer's headers and each 429.
  const adaptive = clients.adaptive(spec.vendor, spec.apiKey, baseUrl);
  const schemaChars = JSON.stringify(request.schema).length;
  const attempt: () => Promise<RawAnswer> = !adaptive
    ? queued
    : async () => {
        const chars = schemaChars + request.system.length + messages.reduce((n, m) => n + m.content.length, 0);
        const ticket = await adaptive.acquire(Math.ceil(chars / 4), signal, call.priority);
        try {
          const answer = await queued();
          adaptive.succeeded(readRateHeaders(headerGetter(answer.headers)), ticket);
          return answer;
        } catch (err) {
          const e = err as { status?: unknown; headers?: unknown };
          if (e.status === 429 && classifySdkError(err, spec.vendor, signal).kind === "transport") {
            adaptive.rateLimited(parseRetryAfter(e.headers as never), readRateHeaders(headerGetter(e.headers)), ticket);
          } else adaptive.released(ticket);
          throw err;
        }
      };

  let lastError = "";
  let authRetries = 0;
  for (let tryNo = 1; tryNo <= config.structuredOutputTries; tryNo++) {
    // transport loop
    let answer: RawAnswer | undefined;
    for (let retry = 0; ; retry++) {
      if (signal?.aborted) throw fail("aborted", `${spec.vendor} call aborted`);
      let failure: AttemptFailure;
      let retryRefusal = false;
      const sentAt = performance.now();
      try {
        answer = await attempt();
        clients.keyHealth.accepted(spec.vendor, spec.apiKey, baseUrl);
        break;
      } catch (err) {
        failure = classifySdkError(err, spec.vendor, signal);
        // The OpenAI SDK sometimes reports its own timeout abort as a plain connection error.
        if (
          failure.kind === "transport" &&
          failure.status === undefined &&
          performance.now() - sentAt >= config.requestTimeoutMs
        ) {
          failure = {
            ...failure,
            kind: "timeout",
            message: `${spec.vendor} request timed out after ${config.requestTimeoutMs} ms`,
          };
        }
      }
      if (failure.kind === "auth") {
        // A refusal is tried again (outside the transport budget) until the key has been refused
        // keyRefusalsToStop times in a row; a key that is refused only now and then fails this call.
        if (clients.keyHealth.refused(spec.vendor, spec.apiKey, baseUrl)) throw keyRefused();
        retryRefusal = authRetries < config.keyRefusalsToStop;
      }
      if (failure.kind === "quota") {
        throw fail("quota", `${model}: ${failure.message}`, {
          status: failure.status,
          stopsRun: {
            status: "paused",
            reason: `${spec.vendor} refused for quota or billing: ${failure.message.replace(/^\w+ answered HTTP \d+: /, "")} (start the run again once the account is in order)`,
          },
        });
      }
      if (retryRefusal) {
        authRetries++;
        retry--; // not counted against the transport budget
        try {
          await sleep(backoffDelayMs(authRetries - 1, config.backoffBaseMs, config.backoffMaxMs), signal);
        } catch {
          throw fail("aborted", `${spec.vendor} call aborted during backoff`);
        }
        continue;
      }
      if (!failure.retryable || retry >= config.transportRetries) {
        const suffix = failure.retryable ? ` (gave up after ${retry + 1} requests)` : "";
        throw fail(failure.kind, `${model}: ${failure.message}${suffix}`, {
          retryable: failure.retryable,
          status: failure.status,
        });
      }
      const delay = backoffDelayMs(retry, config.backoffBaseMs, config.backoffMaxMs, failure.retryAfterMs);
      clients.log(
        scrubSecrets(`${model}: ${failure.message}; retry ${retry + 1}/${config.transportRetries} in ${delay} ms`, secrets),
      );
      try {
        await sleep(delay, signal);
      } catch {
        throw fail("aborted", `${spec.vendor} call aborted during backoff`);
      }
    }
    usage.inputTokens += answer.inputTokens;
    usage.outputTokens += answer.outputTokens;

    // structure loop
    let value = answer.value;
    let error: string | null = null;
    if (value === undefined) {
      try {
        value = JSON.parse(answer.text);
      } catch (err) {
        error = `the answer is not valid JSON (${(err as Error).message})${answer.stopReason === "length" || answer.stopReason === "max_tokens" ? "; it was cut off by the output token limit" : ""}`;
      }
    }
    if (!error) error = validateSchema(call.schema, value) ?? call.check?.(value) ?? null;
    if (!error) {
      usage.costUsd = costUsd(config.prices, model, usage.inputTokens, usage.outputTokens);
      usage.latencyMs = Math.round(performance.now() - started);
      return { value: value as T, usage, temperature: temperature ?? null };
    }
    lastError = error;
    clients.log(scrubSecrets(`${model}: invalid answer on try ${tryNo}/${config.structuredOutputTries}: ${error}`, secrets));
    messages.push(
      { role: "assistant", content: answer.text || "(empty answer)" },
      {
        role: "user",
        content: `Your answer was rejected: ${error}. Answer again with one JSON value that fits the "${call.schemaName}" schema exactly.`,
      },
    );
    if (tryNo === config.structuredOutputTries) {
      const excerpt = answer.text.length > BAD_ANSWER_EXCERPT ? `${answer.text.slice(0, BAD_ANSWER_EXCERPT)}…` : answer.text;
      throw fail(
        "invalid_output",
        `${model}: no valid answer after ${tryNo} tries; last error: ${lastError}; last answer: ${excerpt}`,
        { retryable: true },
      );
    }
  }
  throw fail("invalid_output", `${model}: no valid answer (${lastError})`);
}
