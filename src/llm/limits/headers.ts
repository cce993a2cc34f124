/**
 * The vendors' rate-limit headers, read into one shape. OpenAI: `x-ratelimit-{limit,remaining,
 * reset}-{requests,tokens}`, reset as a duration ("1s", "6m0s", "20ms"). Anthropic:
 * `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`, reset as an RFC 3339 time. Either
 * way the reset is when the bucket is full again.
 */

export interface RateWindow {
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface RateSnapshot {
  requests?: RateWindow;
  tokens?: RateWindow;
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
  const resetMs = asDuration ?? Date.parse(resetText) - now;
  if (!Number.isFinite(resetMs)) return undefined;
  return { limit, remaining, resetMs: Math.max(0, resetMs) };
}

export function readRateHeaders(get: HeaderGetter, now = Date.now()): RateSnapshot {
  const g: HeaderGetter = (name) => get(name) ?? undefined;
  if (g("anthropic-ratelimit-requests-limit") !== undefined || g("anthropic-ratelimit-tokens-limit") !== undefined) {
    return {
      requests: window(
        g,
        ["anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"],
        now,
      ),
      tokens: window(
        g,
        ["anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"],
        now,
      ),
    };
  }
  return {
    requests: window(g, ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"], now),
    tokens: window(g, ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"], now),
  };
}

/** A getter over whatever the SDKs hand back: a Headers object or a plain record. */
export function headerGetter(headers: unknown): HeaderGetter {
  if (!headers) return () => undefined;
  if (typeof (headers as { get?: unknown }).get === "function") return (n) => (headers as Headers).get(n);
  return (n) => (headers as Record<string, string>)[n];
}
