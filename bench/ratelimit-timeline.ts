/**
 * Where a rate-limited run's wall time goes, from the fake vendor's request log (bench/ratelimit.ts):
 * how long from the start mutation to the first vendor request, how fast each key reaches the
 * vendor's rate, the admitted requests and tokens per second, the longest gap in the middle, and
 * the tail from the last request to the run's end. The vendor's allowance by time t is one window's
 * burst plus the refill since the first request: `unusedAtEnd` is what of it each key left unused
 * by its last request, in windows (what a perfect pacer would have saved, at most).
 */
export interface TimelineRequest {
  vendor: string | null;
  status: number;
  receivedAt: number;
  tokens: number;
  generation: boolean;
}

export interface KeyTimeline {
  firstMs: number;
  lastMs: number;
  /** From the key's first request until a 1 s window of admitted requests holds 90 % of R or of T. */
  rampMs: number;
  /** When requests were answered 429 (ms since the start mutation). */
  refusedMs: number[];
  /** The longest time without an admitted request between the first and the last. */
  longestGapMs: number;
  /** Admitted requests and tokens in each second since the start mutation. */
  perSecond: { requests: number; tokens: number }[];
  /** max(requests ÷ R, tokens ÷ T) the vendor would have allowed by the last request, less what it admitted, in windows. */
  unusedAtEnd: number;
}

export interface Timeline {
  /** Start mutation → first generation request (the run's set-up: checks, estimate, planning, joining). */
  toFirstRequestMs: number;
  /** Requests that were not generations (the models endpoint: the start's checks). */
  otherRequests: number;
  /** Last generation request → the run's end as the bench saw it (the last answer and the run's own end). */
  tailMs: number;
  keys: Record<string, KeyTimeline>;
}

const RAMP_SHARE = 0.9;

export function timeline(
  requests: TimelineRequest[],
  t0: number,
  endAt: number,
  limits: { requests: number; tokens: number; windowMs: number },
): Timeline {
  const generation = requests.filter((r) => r.generation);
  const keys: Record<string, KeyTimeline> = {};
  for (const vendor of new Set(generation.map((r) => r.vendor ?? "unknown"))) {
    const mine = generation.filter((r) => (r.vendor ?? "unknown") === vendor).sort((a, b) => a.receivedAt - b.receivedAt);
    const admitted = mine.filter((r) => r.status !== 429);
    const first = mine[0].receivedAt;
    const last = mine.at(-1)!.receivedAt;
    const perSecond: KeyTimeline["perSecond"] = [];
    for (const r of admitted) {
      const s = Math.floor((r.receivedAt - t0) / 1000);
      while (perSecond.length <= s) perSecond.push({ requests: 0, tokens: 0 });
      perSecond[s].requests++;
      perSecond[s].tokens += r.tokens;
    }
    // The ramp: a sliding window of one vendor window over the admitted requests.
    let rampMs = NaN;
    let tokens = 0;
    for (let i = 0, j = 0; i < admitted.length; i++) {
      tokens += admitted[i].tokens;
      while (admitted[j].receivedAt <= admitted[i].receivedAt - limits.windowMs) tokens -= admitted[j++].tokens;
      const full = i - j + 1 >= RAMP_SHARE * limits.requests || tokens >= RAMP_SHARE * limits.tokens;
      // Only after the first window: the bucket's initial burst is not the pace.
      if (full && admitted[i].receivedAt - first >= limits.windowMs) {
        rampMs = admitted[i].receivedAt - first;
        break;
      }
    }
    let longestGapMs = 0;
    for (let i = 1; i < admitted.length; i++)
      longestGapMs = Math.max(longestGapMs, admitted[i].receivedAt - admitted[i - 1].receivedAt);
    const windows = 1 + (last - first) / limits.windowMs;
    const sumTokens = admitted.reduce((s, r) => s + r.tokens, 0);
    const unusedAtEnd = Math.min(windows - admitted.length / limits.requests, windows - sumTokens / limits.tokens);
    const refusedMs = mine.filter((r) => r.status === 429).map((r) => r.receivedAt - t0);
    keys[vendor] = { firstMs: first - t0, lastMs: last - t0, rampMs, refusedMs, longestGapMs, perSecond, unusedAtEnd };
  }
  const firstRequest = Math.min(...generation.map((r) => r.receivedAt));
  const lastRequest = Math.max(...generation.map((r) => r.receivedAt));
  return {
    toFirstRequestMs: firstRequest - t0,
    otherRequests: requests.length - generation.length,
    tailMs: endAt - lastRequest,
    keys,
  };
}
