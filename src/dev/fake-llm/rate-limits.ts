/**
 * Per-key rate limits like the vendors': a requests bucket and a tokens bucket per (vendor, key),
 * each refilled continuously (limit per windowMs; the real vendors' window is a minute, tests and
 * the benchmark compress it). A request that finds either bucket short is answered 429 with
 * `retry-after-ms`/`retry-after` (the time until it would fit); every answer carries the vendor's
 * headers: OpenAI `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as "1s"/"20ms", the
 * time until the bucket is full again), Anthropic `anthropic-ratelimit-{requests,tokens}-{limit,
 * remaining,reset}` (reset as an RFC 3339 time).
 */

export interface FakeRateLimits {
  /** Requests per window per key. */
  requests: number;
  /** Tokens (the request's input tokens, chars / 4) per window per key. */
  tokens: number;
  windowMs: number;
}

interface Bucket {
  level: number;
  at: number;
}

export interface Admission {
  ok: boolean;
  headers: Record<string, string>;
  /** When refused: which bucket was short, in the vendors' words ("requests per min (RPM)"). */
  short?: string;
}

function durationText(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s` : `${Math.max(0, Math.ceil(ms))}ms`;
}

export class FakeRateLimiter {
  private readonly buckets = new Map<string, { requests: Bucket; tokens: Bucket }>();

  constructor(private readonly limits: FakeRateLimits) {}

  private refill(b: Bucket, limit: number, now: number): void {
    b.level = Math.min(limit, b.level + ((now - b.at) * limit) / this.limits.windowMs);
    b.at = now;
  }

  /** Takes one request and `tokens` from the key's buckets, or says how long until they would fit. */
  admit(vendor: "openai" | "anthropic", key: string, tokens: number, now = Date.now()): Admission {
    const { requests: rLimit, tokens: tLimit, windowMs } = this.limits;
    const id = `${vendor}\u0000${key}`;
    let state = this.buckets.get(id);
    if (!state) {
      state = { requests: { level: rLimit, at: now }, tokens: { level: tLimit, at: now } };
      this.buckets.set(id, state);
    }
    this.refill(state.requests, rLimit, now);
    this.refill(state.tokens, tLimit, now);
    const need = Math.min(tokens, tLimit);
    const ok = state.requests.level >= 1 && state.tokens.level >= need;
    if (ok) {
      state.requests.level -= 1;
      state.tokens.level -= need;
    }
    const untilFull = (b: Bucket, limit: number) => ((limit - b.level) * windowMs) / limit;
    const rReset = untilFull(state.requests, rLimit);
    const tReset = untilFull(state.tokens, tLimit);
    const headers: Record<string, string> = {};
    const rRemaining = String(Math.max(0, Math.floor(state.requests.level)));
    const tRemaining = String(Math.max(0, Math.floor(state.tokens.level)));
    if (vendor === "openai") {
      Object.assign(headers, {
        "x-ratelimit-limit-requests": String(rLimit),
        "x-ratelimit-remaining-requests": rRemaining,
        "x-ratelimit-reset-requests": durationText(rReset),
        "x-ratelimit-limit-tokens": String(tLimit),
        "x-ratelimit-remaining-tokens": tRemaining,
        "x-ratelimit-reset-tokens": durationText(tReset),
      });
    } else {
      Object.assign(headers, {
        "anthropic-ratelimit-requests-limit": String(rLimit),
        "anthropic-ratelimit-requests-remaining": rRemaining,
        "anthropic-ratelimit-requests-reset": new Date(now + rReset).toISOString(),
        "anthropic-ratelimit-tokens-limit": String(tLimit),
        "anthropic-ratelimit-tokens-remaining": tRemaining,
        "anthropic-ratelimit-tokens-reset": new Date(now + tReset).toISOString(),
      });
    }
    if (!ok) {
      const waitRequests = state.requests.level >= 1 ? 0 : ((1 - state.requests.level) * windowMs) / rLimit;
      const waitTokens = state.tokens.level >= need ? 0 : ((need - state.tokens.level) * windowMs) / tLimit;
      const wait = Math.ceil(Math.max(waitRequests, waitTokens));
      headers["retry-after-ms"] = String(wait);
      headers["retry-after"] = String(Math.ceil(wait / 1000));
    }
    const short = ok ? undefined : state.requests.level < 1 ? "requests per min (RPM)" : "tokens per min (TPM)";
    return { ok, headers, short };
  }
}
