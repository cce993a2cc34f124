/**
 * A key's adaptive limiter as one member of a cluster (./cluster-share.ts): with N processes on the
 * key it takes 1/N of it.
 *
 * - Concurrency: the limiter's ceiling and current limit scale by the share (AdaptiveLimiter.setShare).
 * - Learned limits: each row carries what its process learned of the key (the vendor's figures); a
 *   process joining the key starts from them instead of probing (AdaptiveLimiter.inherit).
 * - Pauses: a 429's retry-after pauses every process on the key (written on the member's row at once,
 *   read by the others at their next heartbeat).
 * - Pacing: the vendor's `remaining` already counts every process's requests, but each process
 *   counts only its own between two headers, so N processes would each spend the same budget.
 *   Each answer's rate-limit windows are scaled by the share before the limiter learns from them:
 *   every process sees 1/N of the bucket, refilling at 1/N of the vendor's rate.
 * The request path adds a clock read (`touch`) and, when shared, the scaling of two small objects.
 */
import type { RateSnapshot, RateWindow } from "./headers";
import type { AdaptiveLimiter, LearnedLimits, LimiterState } from "./adaptive-limiter";
import type { ClusterScope, ClusterShare } from "./cluster-share";
import { displayBaseUrl } from "../base-url";
import { keyScope } from "./cluster-store";
import type { Vendor } from "../types";

/** What the request path uses of a key's limiter (src/llm/structured.ts). */
export type KeyLimiter = Pick<AdaptiveLimiter, "acquire" | "succeeded" | "rateLimited" | "released"> & {
  state(): LimiterState & { processes: number };
};

function scaleWindow(w: RateWindow | undefined, share: number): RateWindow | undefined {
  return w && { ...w, limit: w.limit * share, remaining: w.remaining * share };
}

/** Learned figures times `factor`: a process's share to the vendor's whole (1/share) or back (share). */
export function scaleLearned(learned: LearnedLimits, factor: number): LearnedLimits {
  const w = (x: LearnedLimits["requests"]) => x && { limit: x.limit * factor, refillPerMs: x.refillPerMs * factor };
  return { requests: w(learned.requests), tokens: w(learned.tokens), tokenFactor: learned.tokenFactor };
}

export function scaleSnapshot(snapshot: RateSnapshot, share: number): RateSnapshot {
  if (share === 1) return snapshot;
  return { ...snapshot, requests: scaleWindow(snapshot.requests, share), tokens: scaleWindow(snapshot.tokens, share) };
}

/** The reason a limit changed with the number of processes on the key. */
export function shareReason(members: number): string {
  return members === 1 ? "alone on the key again" : `1/${members} of the key (${members} processes use it)`;
}

/** The limiter alone, as a KeyLimiter (no cluster: one process, today's behaviour). */
export function soloLimiter(limiter: AdaptiveLimiter): KeyLimiter {
  return {
    acquire: (tokens, signal, priority) => limiter.acquire(tokens, signal, priority),
    succeeded: (snapshot, ticket) => limiter.succeeded(snapshot, ticket),
    rateLimited: (retryAfterMs, snapshot, ticket) => limiter.rateLimited(retryAfterMs, snapshot, ticket),
    released: (ticket) => limiter.released(ticket),
    state: () => ({ ...limiter.state(), processes: 1 }),
  };
}

export function sharedLimiter(
  cluster: ClusterShare,
  limiter: AdaptiveLimiter,
  key: { vendor: Vendor; apiKey: string; baseUrl: string },
): KeyLimiter {
  let active = 0; // requests between acquire and their outcome, waiting ones included
  const done = () => {
    active = Math.max(0, active - 1);
    scope.lastUsed = Date.now();
  };
  const scope: ClusterScope = cluster.scope(keyScope(key.vendor, key.apiKey, key.baseUrl), {
    vendor: key.vendor,
    baseUrl: displayBaseUrl(key.baseUrl),
    state: () => {
      const s = limiter.state();
      const learned = limiter.learned();
      return {
        limit: s.limit,
        inFlight: s.inFlight,
        reason: s.reason,
        changedAt: s.changedAt,
        pauseMs: limiter.vendorPauseMs(),
        learned: learned && scaleLearned(learned, 1 / scope.share), // the vendor's whole figures
      };
    },
    // Paused by the vendor, the key is in use (its calls wait out the retry-after outside the limiter):
    // its row, which carries the pause, stays.
    busy: () => active > 0 || limiter.vendorPauseMs() > 0,
    onMembers: (members) => limiter.setShare(1 / members, shareReason(members)),
    onPause: (pauseMs) => limiter.pauseFor(pauseMs, "another process on the key got a 429 (retry-after)"),
    onLearned: (learned) => limiter.inherit(scaleLearned(learned, scope.share), "inherited the key's limits from the cluster"),
    warm: () => limiter.warm(),
  });
  return {
    acquire: async (tokens, signal, priority) => {
      active++;
      try {
        const joining = scope.touch();
        if (joining) await joining;
        return await limiter.acquire(tokens, signal, priority);
      } catch (error) {
        done();
        throw error;
      }
    },
    succeeded: (snapshot, ticket) => {
      done();
      limiter.succeeded(scaleSnapshot(snapshot, scope.share), ticket);
    },
    rateLimited: (retryAfterMs, snapshot, ticket) => {
      done();
      limiter.rateLimited(retryAfterMs, scaleSnapshot(snapshot, scope.share), ticket);
      // The others pause too, from their next heartbeat (at most one interval later); a burst of
      // 429s shares the one heartbeat under way.
      if (scope.members > 1) void cluster.beat();
    },
    released: (ticket) => {
      done();
      limiter.released(ticket);
    },
    state: () => ({ ...limiter.state(), processes: scope.members }),
  };
}
