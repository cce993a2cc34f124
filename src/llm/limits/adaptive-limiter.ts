/**
 * Adaptive limits for one (vendor, key, base URL): how many requests may be in flight, and when the
 * next may start. Two mechanisms, both per process (several processes on one key each adapt on their
 * own and meet through the vendor's 429s and headers; see docs/limits.md):
 *
 * - Pacing from the vendor's headers. Every answer (and every 429) says how many requests and
 *   tokens were left when the vendor admitted it and when the bucket is full again; from that the
 *   limiter knows the refill rate and holds a request back until its estimated tokens and one
 *   request fit, so the vendor's limit is used without being hit. A header is as old as the request
 *   it answers: the level now is its `remaining`, plus what refilled since the request was sent,
 *   minus what this process sent after it (the vendor had not counted those yet). Reading the level
 *   that way, rather than keeping our own count and taking the lower of the two, corrects our token
 *   estimates in both directions with every answer.
 * - AIMD on the concurrency, for vendors without headers: a 429 without rate-limit headers halves
 *   the limit (at most once per pause); any 429 pauses every request of the key until `retry-after`; each
 *   success once the limit was reached adds 1/limit (about one more slot per round trip). The limit
 *   never exceeds the ceiling (the run's `workers` bounds it further).
 *
 * `state()` says the current limit and why it last changed, for progress.
 */
import { MAX_RETRY_AFTER_MS, sleep } from "../backoff";
import type { RateSnapshot, RateWindow } from "./headers";
import { TokenCalibration } from "./token-calibration";

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
  /** The evidence for `refill`: deficits and the spans to refill them, summed with decay. */
  deficits: number;
  spans: number;
}

/**
 * One acquired request, from acquire() to its outcome: when it was sent and how much this process
 * had sent up to and including it (so that what was sent after it is the difference).
 */
export interface LimiterTicket {
  readonly at: number;
  readonly sentRequests: number;
  /** In vendor tokens (our estimates times the calibration factor at the time). */
  readonly sentTokens: number;
  /** In our own estimates, for the calibration. */
  readonly estimatedTokens: number;
  /** This request's tokens in vendor tokens. */
  readonly charge: number;
}

/** A bucket's figures as another process can use them: its size and refill rate (units per ms). */
export interface LearnedWindow {
  limit: number;
  refillPerMs: number;
}

/** What a limiter has learned of the vendor's limits for its key (./cluster-limiter.ts publishes it). */
export interface LearnedLimits {
  requests?: LearnedWindow;
  tokens?: LearnedWindow;
  /** Vendor tokens per estimated token (./token-calibration.ts). */
  tokenFactor: number;
}

/** A ticket back with its outcome, and the requests sent before it that were still unanswered. */
interface Settled {
  ticket: LimiterTicket;
  olderRequests: number;
  olderTokens: number;
}

/** A request waiting in AdaptiveLimiter.acquire; `wake` is set while it waits for its turn. */
interface Waiter {
  priority: number;
  wake: (() => void) | undefined;
}

/** Requests in flight before the first answer has shown the vendor's limits. */
const PROBES = 4;

/** How much of the refill-rate evidence each answer keeps (about the last 20 answers count). */
const RATE_MEMORY = 0.95;

/** Round trips remembered to estimate when the vendor counted a request (AdaptiveLimiter.admittedAt). */
const ROUND_TRIPS = 32;

/**
 * The bucket now, from a header the vendor wrote when it counted a request of ours (at `since.at`,
 * estimated: see AdaptiveLimiter.admittedAt): its `remaining`, plus the refill since, minus what
 * the vendor had not counted yet (`sentAfter`: what we sent after that request, and the older
 * requests still unanswered, see AdaptiveLimiter.settle). Without a ticket
 * (an outcome nobody acquired) the header is as old as the oldest request in flight; the lower of
 * it and our own count is taken.
 */
function bucketFrom(
  w: RateWindow,
  previous: Bucket | null,
  now: number,
  since: { at: number; sentAfter: number } | null,
): Bucket {
  // The span from the vendor writing the header to the bucket being full: a reset time is read
  // against when the vendor counted the request (the answer arrives a latency later), a duration
  // as given.
  const span = w.resetAt !== undefined && since ? w.resetAt - since.at : w.resetMs;
  // The refill rate: deficits over the spans to refill them, summed over recent answers (a ratio
  // that weighs each answer by its span). `remaining` is rounded down, so a deficit is taken less
  // half a unit; one answer alone is a poor estimate (1 unit in 8 ms read as 125/s where the vendor
  // refills 40/s, measured). Before any deficit, the limit per minute (both vendors' window).
  const deficit = w.limit - w.remaining;
  const fresh = !previous || previous.limit !== w.limit;
  let deficits = fresh ? 0 : previous.deficits * RATE_MEMORY;
  let spans = fresh ? 0 : previous.spans * RATE_MEMORY;
  if (deficit >= 1 && span > 0) {
    deficits += deficit - 0.5;
    spans += span;
  }
  const refill = spans > 0 && deficits > 0 ? deficits / spans : w.limit / 60_000;
  const level = since
    ? Math.min(w.limit, w.remaining + (now - since.at) * refill) - since.sentAfter
    : Math.min(previous ? levelAt(previous, now) : Infinity, w.remaining);
  return { limit: w.limit, level, at: now, refill, deficits, spans };
}

function levelAt(b: Bucket, now: number): number {
  return Math.min(b.limit, b.level + (now - b.at) * b.refill);
}

/**
 * A request goes when the bucket holds what it needs plus this share of the limit. In a run bound by
 * the limit the bucket hovers near empty, where any error (an estimate low for this request, a
 * millisecond of clock, two requests reaching the vendor out of order) is a 429; the headroom absorbs
 * them and costs nothing in the long run (the refill sets the pace, not the level), only that share
 * of one window's burst. Measured on the rate-limit benchmark: 1.4–1.8 % of requests 429'd without.
 */
const HEADROOM_SHARE = 0.05;

function msUntil(b: Bucket | null, need: number, now: number): number {
  if (!b) return 0;
  const level = levelAt(b, now);
  const want = Math.min(need + b.limit * HEADROOM_SHARE, b.limit);
  return level >= want ? 0 : Math.ceil((want - level) / b.refill);
}

export class AdaptiveLimiter {
  private limit: number;
  private inFlight = 0;
  private pausedUntil = 0;
  /** Until when the vendor paused the key by a 429 this process read (not a pause heard from another process). */
  private vendorPausedUntil = 0;
  private lastDecrease = 0;
  private answered = false;
  /** The limit was reached (a request waited for a slot, or took the last) since it last rose. */
  private saturated = false;
  private requests: Bucket | null = null;
  private tokens: Bucket | null = null;
  /** Requests waiting to start, in the order they go (acquire). */
  private readonly line: Waiter[] = [];
  /** What this process has sent on the key, ever: a ticket keeps the counts at its request. */
  private sentRequests = 0;
  private sentTokens = 0;
  private estimatedTokens = 0;
  private readonly calibration = new TokenCalibration();
  /** The latest answered requests' round trips (ms), oldest first. */
  private readonly roundTrips: number[] = [];
  /** Tickets in flight, oldest first (an outcome reported without its ticket is taken as the oldest's). */
  private readonly outstanding: LimiterTicket[] = [];
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
    this.wakeFirst(); // a larger limit may let it go
  }

  state(): LimiterState {
    return { limit: Math.floor(this.limit), inFlight: this.inFlight, reason: this.reason, changedAt: this.changedAt };
  }

  /**
   * Waits until a request with about `tokens` tokens may start; rejects when the signal aborts. The
   * ticket goes back with the request's outcome (succeeded, rateLimited, released) so that its
   * headers are read against what was sent after it.
   *
   * Requests wait in one line, higher `priority` first, then in order of arrival; only the first in
   * line waits for the pacing or a slot, the others for their turn. A run's notes go before its
   * grades (src/llm/note.ts): a note plans the grades that keep the other keys busy, and when they
   * raced for one key's budget, another key sat idle for lack of grades (1-1.5 s of a 22 s run on
   * the rate-limit benchmark, in half the runs).
   */
  async acquire(tokens: number, signal?: AbortSignal, priority = 0): Promise<LimiterTicket> {
    const me: Waiter = { priority, wake: undefined };
    this.line.splice(this.placeOf(me), 0, me);
    try {
      for (;;) {
        if (this.line[0] !== me) {
          await this.turn(me, signal);
          continue;
        }
        const now = Date.now();
        const charge = tokens * this.calibration.factor;
        const wait = Math.max(this.pausedUntil - now, msUntil(this.requests, 1, now), msUntil(this.tokens, charge, now));
        if (wait > 0) {
          await sleep(wait, signal);
          continue;
        }
        if (this.inFlight >= this.allowed()) {
          this.saturated = true;
          await this.turn(me, signal);
          continue;
        }
        this.inFlight++;
        if (this.inFlight >= Math.floor(this.limit)) this.saturated = true;
        if (this.requests) this.spend(this.requests, 1, now);
        if (this.tokens) this.spend(this.tokens, charge, now);
        this.sentRequests += 1;
        this.sentTokens += charge;
        this.estimatedTokens += tokens;
        const ticket: LimiterTicket = {
          at: now,
          sentRequests: this.sentRequests,
          sentTokens: this.sentTokens,
          estimatedTokens: this.estimatedTokens,
          charge,
        };
        this.outstanding.push(ticket);
        return ticket;
      }
    } finally {
      // Taken or given up: out of the line, and the next in line looks again.
      this.line.splice(this.line.indexOf(me), 1);
      this.wakeFirst();
    }
  }

  /** Where a newcomer goes in the line: after every waiter of its priority or higher. */
  private placeOf(w: Waiter): number {
    const i = this.line.findIndex((o) => o.priority < w.priority);
    return i < 0 ? this.line.length : i;
  }

  /** Resolves when `me` is woken (it may be first in line now, or a slot or the limits changed). */
  private turn(me: Waiter, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        me.wake = undefined;
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      me.wake = () => {
        me.wake = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
    });
  }

  /** The first in line looks again (when it is waiting for its turn or a slot; asleep on the pacing, it wakes on its own). */
  private wakeFirst(): void {
    this.line[0]?.wake?.();
  }

  /** What the headers have taught it so far; null before the first answer with rate-limit headers. */
  learned(): LearnedLimits | null {
    if (!this.requests && !this.tokens) return null;
    const window = (b: Bucket | null) => (b ? { limit: b.limit, refillPerMs: b.refill } : undefined);
    return { requests: window(this.requests), tokens: window(this.tokens), tokenFactor: this.calibration.factor };
  }

  /** It knows the vendor's limits (from an answer, or inherited): its requests go paced, without probes. */
  warm(): boolean {
    return this.answered;
  }

  /**
   * Starts from what another process of the cluster learned of the key (in this process's share),
   * when this one has had no answer yet: the buckets' sizes and refill rates, and the token
   * calibration. The level is unknown: the buckets start empty (the others keep them near empty in
   * a busy key), so the first requests go at the refill's pace instead of as probes into a budget
   * the others may be spending. The next answers correct all of it.
   */
  inherit(learned: LearnedLimits, why: string): void {
    if (this.answered) return;
    const now = Date.now();
    const bucket = (w: LearnedWindow | undefined): Bucket | null =>
      w && w.limit > 0 && w.refillPerMs > 0
        ? // The evidence of one window (a deficit of the whole bucket, refilled in limit / rate ms),
          // so that a few answers outweigh it.
          { limit: w.limit, level: 0, at: now, refill: w.refillPerMs, deficits: w.limit, spans: w.limit / w.refillPerMs }
        : null;
    this.requests = bucket(learned.requests);
    this.tokens = bucket(learned.tokens);
    if (!this.requests && !this.tokens) return;
    this.calibration.seed(learned.tokenFactor);
    this.answered = true;
    const perMinute = (w: Bucket | null, unit: string) => (w ? `${Math.round(w.refill * 60_000)} ${unit}` : null);
    const rates = [perMinute(this.requests, "requests"), perMinute(this.tokens, "tokens")].filter(Boolean).join(" and ");
    this.changed(`${why}: ${rates} per minute for this process`);
    this.wakeFirst();
  }

  /** Until the first answer nothing is known of the vendor's limits: a few probes go first. */
  private allowed(): number {
    return this.answered ? Math.floor(this.limit) : Math.min(Math.floor(this.limit), PROBES);
  }

  /** The request was answered; `snapshot` is what its headers said. */
  succeeded(snapshot: RateSnapshot, ticket?: LimiterTicket): void {
    const settled = this.settle(ticket);
    this.learn(snapshot, settled, false);
    if (settled && snapshot.tokens && this.tokens) {
      const { remaining, limit } = snapshot.tokens;
      const { at, estimatedTokens } = settled.ticket;
      this.calibration.observe({ at, estimatedSent: estimatedTokens, remaining, limit }, this.tokens.refill);
    }
    if (!this.answered) {
      this.answered = true;
      this.wakeFirst(); // the others may go now, paced by the headers
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
  rateLimited(retryAfterMs: number | undefined, snapshot: RateSnapshot, ticket?: LimiterTicket): void {
    this.learn(snapshot, this.settle(ticket), true);
    this.calibration.refused();
    this.answered = true;
    const now = Date.now();
    // Capped as the transport's backoff is: a proxy's retry-after of a day would stop the key, and
    // through the cluster's rows (./cluster-share.ts) every process on it.
    const pause = Math.min(retryAfterMs ?? 1000, MAX_RETRY_AFTER_MS);
    if (snapshot.requests || snapshot.tokens) {
      // The headers pace the key: a 429 here is an error in the level read from them (timing, an
      // estimate), not too many requests in flight, and the next answer corrects the level. Halving
      // the concurrency as well cost a third of the throughput on the benchmark (efficiency 0.69,
      // 8 of 2,008 requests 429'd, each halving the limit until it was below what the pace needs).
      this.changed(`paused ${pause} ms on a 429 (retry-after); pacing by the vendor's headers`);
    } else if (now >= this.lastDecrease + pause) {
      this.limit = Math.max(1, this.limit / 2);
      this.lastDecrease = now;
      this.changed(`halved to ${Math.floor(this.limit)} on a 429; paused ${pause} ms (retry-after)`);
    }
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    this.vendorPausedUntil = Math.max(this.vendorPausedUntil, now + pause);
    this.release();
  }

  /** How much longer the vendor's last 429 to this process pauses the key, in ms (0: not paused). */
  vendorPauseMs(now = Date.now()): number {
    return Math.max(0, this.vendorPausedUntil - now);
  }

  /**
   * Pauses the key for `ms` from now (unless already paused longer), for a 429 another process
   * sharing the key got (./cluster-share.ts): every process waits out the vendor's retry-after
   * instead of each sending into it.
   */
  pauseFor(ms: number, why: string): void {
    ms = Math.min(ms, MAX_RETRY_AFTER_MS); // a row is another process's word: bounded like a vendor's
    const until = Date.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.changed(`paused ${Math.round(ms)} ms: ${why}`);
  }

  /** Any other outcome: the slot is free, the limit unchanged. */
  released(ticket?: LimiterTicket): void {
    this.settle(ticket);
    this.release();
  }

  /**
   * Takes the ticket (or, without one, the oldest) out of the tickets in flight, counting the older
   * ones still unanswered: the vendor may not have counted them when it wrote this answer's headers
   * (on a busy event loop a burst reached it over 150 ms, and a request let go after it was counted
   * in the middle: 10-14 % of a burst 429'd). They are taken as not counted yet; with answers in the
   * order of their requests there are none.
   */
  private settle(ticket: LimiterTicket | undefined): Settled | undefined {
    const i = ticket ? this.outstanding.indexOf(ticket) : 0;
    if (i < 0 || this.outstanding.length === 0) return ticket && { ticket, olderRequests: 0, olderTokens: 0 };
    let olderTokens = 0;
    for (let j = 0; j < i; j++) olderTokens += this.outstanding[j].charge;
    return { ticket: this.outstanding.splice(i, 1)[0], olderRequests: i, olderTokens };
  }

  /**
   * When the vendor counted the request of `ticket`, as best we can tell: between when we let it go
   * and its answer. A 429 is answered at once (now). OpenAI says how long it worked on the request
   * (`openai-processing-ms`): it counted the request that long ago, or a little earlier. Otherwise
   * the vendor's latency is at least the shortest recent round trip and the rest is network and our
   * own event loop, before sending or after receiving: assuming it was before is the cautious
   * choice. Crediting the refill from when we let the request go, on a busy event loop hundreds of
   * ms early, let 15 % of a burst be 429'd at a load average of 12 (measured).
   */
  private admittedAt(ticket: LimiterTicket, now: number, refused: boolean, processingMs: number | undefined): number {
    if (refused) return now;
    const roundTrip = now - ticket.at;
    this.roundTrips.push(roundTrip);
    if (this.roundTrips.length > ROUND_TRIPS) this.roundTrips.shift();
    const vendorMs = processingMs ?? Math.min(...this.roundTrips);
    return Math.max(ticket.at, now - vendorMs);
  }

  private learn(snapshot: RateSnapshot, settled: Settled | undefined, refused: boolean): void {
    const now = Date.now();
    const ticket = settled?.ticket;
    const at = ticket ? this.admittedAt(ticket, now, refused, snapshot.processingMs) : now;
    const since = (sentAfter: number) => (ticket ? { at, sentAfter } : null);
    // A 429 is answered as its request arrives, after the older ones that arrived before it: they
    // are counted. Taking them as not counted (as for an answer, see settle) read the bucket a whole
    // burst below empty after a 429 early in a run, and the key sat idle for a second (1.1-1.3 s in
    // 2 of 3 runs of the rate-limit benchmark).
    const older = refused ? { olderRequests: 0, olderTokens: 0 } : settled;
    if (snapshot.requests) {
      const after = this.sentRequests - (ticket?.sentRequests ?? 0) + (older?.olderRequests ?? 0);
      this.requests = bucketFrom(snapshot.requests, this.requests, now, since(after));
    }
    if (snapshot.tokens) {
      const after = this.sentTokens - (ticket?.sentTokens ?? 0) + (older?.olderTokens ?? 0);
      this.tokens = bucketFrom(snapshot.tokens, this.tokens, now, since(after));
    }
  }

  private spend(b: Bucket, amount: number, now: number): void {
    b.level = levelAt(b, now) - amount;
    b.at = now;
  }

  private release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wakeFirst();
  }

  private changed(reason: string): void {
    this.reason = reason;
    this.changedAt = Date.now();
    this.onChange(this.state());
  }
}
