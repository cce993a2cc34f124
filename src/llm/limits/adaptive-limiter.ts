/**
 * Adaptive limits for one (vendor, key, base URL): how many requests may be in flight, and when the
 * next may start. Two mechanisms, both per process (several processes on one key each adapt on their
 * own and meet through the vendor's 429s and headers; see docs/limits.md):
 *
 * - Pacing from the vendor's headers. Every answer (and every 429) says how many requests and
 *   tokens are left and when the bucket is full again; from that the limiter knows the refill rate
 *   and holds a request back until its estimated tokens and one request fit, so the vendor's limit
 *   is used without being hit.
 * - AIMD on the concurrency, for vendors without headers and for what pacing misses: a 429 halves
 *   the limit (at most once per pause) and pauses every request of the key until `retry-after`; each
 *   success once the limit was reached adds 1/limit (about one more slot per round trip). The limit
 *   never exceeds the ceiling (the run's `workers` bounds it further).
 *
 * `state()` says the current limit and why it last changed, for progress.
 */
import { sleep } from "../backoff";
import type { RateSnapshot, RateWindow } from "./headers";

export interface LimiterState {
  limit: number;
  inFlight: number;
  /** Why the limit or the pacing last changed, in words. */
  reason: string;
  changedAt: number;
}

interface Bucket {
  limit: number;
  level: number;
  at: number;
  /** Units per ms. */
  refill: number;
}

/** Requests in flight before the first answer has shown the vendor's limits. */
const PROBES = 4;

/**
 * The bucket as the vendor last described it. Its level is the lower of the header's and our own
 * count: a header written before our latest requests arrived still counts them as available, and
 * taking it at its word would send them twice over (measured: a quarter of a burst 429'd).
 */
function bucketFrom(w: RateWindow, previous: Bucket | null, now: number, othersInFlight: number): Bucket {
  const deficit = w.limit - w.remaining;
  const refill = deficit > 0 && w.resetMs > 0 ? deficit / w.resetMs : (previous?.refill ?? w.limit / 60_000);
  // With no count of our own yet, the other requests in flight may not be in the header's count.
  const level = previous ? Math.min(w.remaining, levelAt(previous, now)) : w.remaining - othersInFlight;
  return { limit: w.limit, level, at: now, refill };
}

function levelAt(b: Bucket, now: number): number {
  return Math.min(b.limit, b.level + (now - b.at) * b.refill);
}

function msUntil(b: Bucket | null, need: number, now: number): number {
  if (!b) return 0;
  const level = levelAt(b, now);
  const want = Math.min(need, b.limit);
  return level >= want ? 0 : Math.ceil((want - level) / b.refill);
}

export class AdaptiveLimiter {
  private limit: number;
  private inFlight = 0;
  private pausedUntil = 0;
  private lastDecrease = 0;
  private answered = false;
  /** The limit was reached (a request waited for a slot, or took the last) since it last rose. */
  private saturated = false;
  private requests: Bucket | null = null;
  private tokens: Bucket | null = null;
  private readonly waiters: (() => void)[] = [];
  private reason = "the ceiling (no 429 yet)";
  private changedAt = Date.now();

  /** The configured ceiling times this process's share of the key (setShare). */
  private ceiling: number;

  constructor(
    private readonly fullCeiling: number,
    private readonly onChange: (state: LimiterState) => void = () => {},
  ) {
    // It starts at the ceiling: the run's workers bound it until the vendor pushes back, and the
    // headers' pacing keeps it from pushing back in the first place.
    this.ceiling = fullCeiling;
    this.limit = fullCeiling;
  }

  /**
   * The hook for processes sharing the key (./cluster-share.ts): this process may use `share` of
   * it. The ceiling becomes share × the configured one and the limit scales with it, so the
   * processes' limits add up to what one process alone would have; 1 (alone) is the default.
   */
  setShare(share: number, why: string): void {
    const ceiling = Math.max(1, Math.floor(this.fullCeiling * share));
    if (ceiling === this.ceiling) return;
    this.limit = Math.max(1, Math.min(ceiling, (this.limit * ceiling) / this.ceiling));
    this.ceiling = ceiling;
    this.changed(`${why}: limit ${Math.floor(this.limit)}, ceiling ${ceiling} of ${this.fullCeiling}`);
    for (const wake of this.waiters.splice(0)) wake(); // a larger limit lets them go; the others wait again
  }

  state(): LimiterState {
    return { limit: Math.floor(this.limit), inFlight: this.inFlight, reason: this.reason, changedAt: this.changedAt };
  }

  /** Waits until a request with about `tokens` tokens may start; rejects when the signal aborts. */
  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      const wait = Math.max(this.pausedUntil - now, msUntil(this.requests, 1, now), msUntil(this.tokens, tokens, now));
      if (wait > 0) {
        await sleep(wait, signal);
        continue;
      }
      if (this.inFlight < this.allowed()) {
        this.inFlight++;
        if (this.inFlight >= Math.floor(this.limit)) this.saturated = true;
        if (this.requests) this.spend(this.requests, 1, now);
        if (this.tokens) this.spend(this.tokens, tokens, now);
        return;
      }
      this.saturated = true;
      await this.slot(signal);
    }
  }

  /** Until the first answer nothing is known of the vendor's limits: a few probes go first. */
  private allowed(): number {
    return this.answered ? Math.floor(this.limit) : Math.min(Math.floor(this.limit), PROBES);
  }

  /** The request was answered; `snapshot` is what its headers said. */
  succeeded(snapshot: RateSnapshot): void {
    this.learn(snapshot);
    if (!this.answered) {
      this.answered = true;
      for (const wake of this.waiters.splice(0)) wake(); // the others may go now, paced by the headers
    }
    if (this.saturated && this.limit < this.ceiling) {
      const before = Math.floor(this.limit);
      this.limit = Math.min(this.ceiling, this.limit + 1 / this.limit);
      if (Math.floor(this.limit) !== before) {
        this.saturated = false;
        this.changed(`raised to ${Math.floor(this.limit)} after answers without 429`);
      }
    }
    this.release();
  }

  /** The vendor answered 429: halve the limit (once per pause) and pause the key until retry-after. */
  rateLimited(retryAfterMs: number | undefined, snapshot: RateSnapshot): void {
    this.learn(snapshot);
    this.answered = true;
    const now = Date.now();
    const pause = retryAfterMs ?? 1000;
    if (now >= this.lastDecrease + pause) {
      this.limit = Math.max(1, this.limit / 2);
      this.lastDecrease = now;
      this.changed(`halved to ${Math.floor(this.limit)} on a 429; paused ${pause} ms (retry-after)`);
    }
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    this.release();
  }

  /** Any other outcome: the slot is free, the limit unchanged. */
  released(): void {
    this.release();
  }

  private learn(snapshot: RateSnapshot): void {
    const now = Date.now();
    const others = Math.max(0, this.inFlight - 1);
    if (snapshot.requests) this.requests = bucketFrom(snapshot.requests, this.requests, now, others);
    if (snapshot.tokens) this.tokens = bucketFrom(snapshot.tokens, this.tokens, now, 0);
  }

  private spend(b: Bucket, amount: number, now: number): void {
    b.level = levelAt(b, now) - amount;
    b.at = now;
  }

  private release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.waiters.shift()?.();
  }

  private slot(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  private changed(reason: string): void {
    this.reason = reason;
    this.changedAt = Date.now();
    this.onChange(this.state());
  }
}
