/**
 * The fixed per-vendor caps (OPENAI_MAX_CONCURRENCY, OPENAI_REQUESTS_PER_INTERVAL, ... : one p-queue
 * per vendor and process) as one member of a cluster (./cluster-share.ts): with N processes using
 * the vendor, each takes 1/N of them.
 *
 * - Concurrency: the queue's concurrency becomes the cap / N (at least 1 per process).
 * - Rate: while shared, a token bucket of cap / N per interval (bursts of at most cap / N) lets
 *   requests into the queue; the queue's own interval cap (the whole rate) stays, so one process
 *   alone behaves exactly as without a cluster.
 */
import type PQueue from "p-queue";
import { sleep } from "../backoff";
import type { Vendor } from "../types";
import type { ClusterShare } from "./cluster-share";
import { vendorScope } from "./cluster-store";

/** What the request path uses of a vendor's queue (src/llm/structured.ts). */
export interface VendorQueue {
  add<T>(task: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

export interface VendorCaps {
  concurrency: number;
  rate: number;
  intervalMs: number;
}

/** `rate` requests per `intervalMs`, refilled continuously, holding at most `rate` (and at least 1). */
export class RateGate {
  private level: number;
  private at = Date.now();
  private readonly capacity: number;

  constructor(
    private readonly rate: number,
    private readonly intervalMs: number,
  ) {
    this.capacity = Math.max(1, rate);
    this.level = this.capacity;
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.level = Math.min(this.capacity, this.level + ((now - this.at) * this.rate) / this.intervalMs);
      this.at = now;
      if (this.level >= 1) {
        this.level -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.level) * this.intervalMs) / this.rate), signal);
    }
  }
}

export function sharedVendorQueue(cluster: ClusterShare, queue: PQueue, vendor: Vendor, caps: VendorCaps): VendorQueue {
  let active = 0; // requests between add and their end, waiting ones included
  let gate: RateGate | null = null;
  let reason = "the whole caps (alone)";
  let changedAt = Date.now();
  const scope = cluster.scope(vendorScope(vendor), {
    vendor,
    baseUrl: null,
    state: () => ({
      limit: Number.isFinite(caps.concurrency) ? queue.concurrency : null,
      inFlight: queue.pending,
      reason,
      changedAt,
      pauseMs: 0, // the fixed caps know no vendor pauses nor learn limits (a key's limiter does)
      learned: null,
    }),
    busy: () => active > 0,
    onMembers: (members) => {
      if (Number.isFinite(caps.concurrency)) queue.concurrency = Math.max(1, Math.floor(caps.concurrency / members));
      gate = members > 1 && Number.isFinite(caps.rate) ? new RateGate(caps.rate / members, caps.intervalMs) : null;
      reason = members > 1 ? `1/${members} of ${vendor}'s caps (${members} processes use it)` : "the whole caps (alone again)";
      changedAt = Date.now();
    },
    onPause: () => {},
    onLearned: () => {},
    warm: () => false,
  });
  return {
    async add(task, options) {
      active++;
      try {
        const joining = scope.touch();
        if (joining) await joining;
        await gate?.take(options?.signal);
        return await queue.add(task, options);
      } finally {
        active--;
        scope.lastUsed = Date.now();
      }
    },
  };
}
