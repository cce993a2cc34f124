/** Exponential backoff with full jitter, and a sleep that an AbortSignal cuts short. */

/** Retry-After values beyond this are not waited for in full (a misbehaving proxy could say a day). */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Delay before retry number `retry` (0 = the first retry): the vendor's Retry-After when it sent one,
 * otherwise a random point in [0, min(max, base * 2^retry)] ("full jitter", so that many callers
 * hit by the same 429 do not come back in lockstep).
 */
export function backoffDelayMs(
  retry: number,
  baseMs: number,
  maxMs: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
