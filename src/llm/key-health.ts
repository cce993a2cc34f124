/**
 * Consecutive refusals of each API key (401/403), shared by every call that uses the key.
 *
 * One refusal may be a vendor's hiccup; several in a row with no success between them mean the key
 * is bad, and every further call would fail the same way. Below the threshold a refused request is
 * tried again like a transport failure; at the threshold the call fails with an LlmError whose
 * `stopsRun` asks the runner to stop the run as failed (jobs back to planned, no attempt spent), and
 * later calls with that key fail at once without a request. A success resets the count.
 */
import type { Vendor } from "./types";

export class KeyHealth {
  private readonly refusals = new Map<string, number>();

  constructor(private readonly threshold: number) {}

  private static id(vendor: Vendor, apiKey: string, baseUrl: string): string {
    return `${vendor}\u0000${baseUrl}\u0000${apiKey}`;
  }

  /** Counts one refusal; true when the key has now been refused `threshold` times in a row. */
  refused(vendor: Vendor, apiKey: string, baseUrl: string): boolean {
    const id = KeyHealth.id(vendor, apiKey, baseUrl);
    const count = (this.refusals.get(id) ?? 0) + 1;
    this.refusals.set(id, count);
    return count >= this.threshold;
  }

  /** Whether the key reached the threshold (and no success came since). */
  isRefused(vendor: Vendor, apiKey: string, baseUrl: string): boolean {
    return (this.refusals.get(KeyHealth.id(vendor, apiKey, baseUrl)) ?? 0) >= this.threshold;
  }

  accepted(vendor: Vendor, apiKey: string, baseUrl: string): void {
    if (this.refusals.size > 0) this.refusals.delete(KeyHealth.id(vendor, apiKey, baseUrl));
  }

  /** Forget every count (a new run with possibly a new key). */
  reset(): void {
    this.refusals.clear();
  }
}
