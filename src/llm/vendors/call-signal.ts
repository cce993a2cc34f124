/**
 * Both SDKs add an abort listener to the signal of every request and never remove it. The runner
 * passes one signal per run to all of the run's calls, so without this each call would leave a
 * listener (and the SDK's AbortController it closes over) on the run's signal until the run ends:
 * 20,000 of them in a 20,000-job run. Each request gets a signal of its own instead, linked to the
 * caller's for the length of the call only; aborting the caller's signal aborts it as before.
 */
export async function withCallSignal<T>(
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!signal) return call(undefined);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
