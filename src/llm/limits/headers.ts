/**
 * The vendors' rate-limit headers, read into one shape. OpenAI: `x-ratelimit-{limit,remaining,
 * reset}-{requests,tokens}`, reset as a duration ("1s", "6m0s", "20ms") from when the vendor wrote
 * the header. Anthropic: `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`, reset as
 * an RFC 3339 time; `tokens` is whichever of its token limits is most restrictive, so its
 * `input-tokens` window is read instead when sent (our estimates are of input tokens). Either way the
 * reset is when the bucket is full again (both vendors refill continuously).
 */

export interface RateWindow {
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again, counted from `now` when read. */
  resetMs: number;
  /**
   * When the bucket is full again (epoch ms), when the vendor says so as a time (Anthropic). An
   * answer arrives a latency after the vendor wrote it: with the time, the span from the request to
   * the reset is known exactly; a duration (OpenAI) is already counted from when it was written.
   */
  resetAt?: number;
}

export interface RateSnapshot {
  requests?: RateWindow;
  tokens?: RateWindow;
  /**
   * How long the vendor worked on the request (OpenAI's `openai-processing-ms`): the headers were
   * written about that long before the answer arrived.
   */
  processingMs?: number;
}

export type HeaderGetter = (name: string) => string | null | undefined;

/** "1s", "6m0s", "20ms", "1.5s", "1h2m" → ms; null when it is none of those. */
export function parseDuration(text: string): number | null {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return null;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
}

function window(
  get: HeaderGetter,
  names: [limit: string, remaining: string, reset: string],
  now: number,
): RateWindow | undefined {
  const limit = Number(get(names[0]));
  const remaining = Number(get(names[1]));
  const resetText = get(names[2]);
  if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !resetText || limit <= 0) return undefined;
  const asDuration = parseDuration(resetText);
  if (asDuration !== null) return { limit, remaining, resetMs: asDuration };
  const resetAt = Date.parse(resetText);
  if (!Number.isFinite(resetAt)) return undefined;
  return { limit, remaining, resetMs: Math.max(0, resetAt - now), resetAt };
}

export function readRateHeaders(get: HeaderGetter, now = Date.now()): RateSnapshot {
  const g: HeaderGetter = (name) => get(name) ?? undefined;
  if (g("anthropic-ratelimit-requests-limit") !== undefined || g("anthropic-ratelimit-tokens-limit") !== undefined) {
    const tokens = (kind: "input-tokens" | "tokens") =>
      window(
        g,
        [`anthropic-ratelimit-${kind}-limit`, `anthropic-ratelimit-${kind}-remaining`, `anthropic-ratelimit-${kind}-reset`],
        now,
      );
    return {
      requests: window(
        g,
        ["anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"],
        now,
      ),
      tokens: tokens("input-tokens") ?? tokens("tokens"),
    };
  }
  const processingMs = Number(g("openai-processing-ms") ?? NaN);
  return {
    requests: window(g, ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"], now),
    tokens: window(g, ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"], now),
    ...(Number.isFinite(processingMs) && processingMs >= 0 ? { processingMs } : {}),
  };
}

/** A getter over whatever the SDKs hand back: a Headers object or a plain record. */
export function headerGetter(headers: unknown): HeaderGetter {
  if (!headers) return () => undefined;
  if (typeof (headers as { get?: unknown }).get === "function") return (n) => (headers as Headers).get(n);
  return (n) => (headers as Record<string, string>)[n];
}
