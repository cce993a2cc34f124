/**
 * The database's availability as this process sees it, in one of two modes:
 *
 * - UP: queries go to the pool as usual.
 * - DOWN: entered on the first sign of an outage (a pool connection dropped by a restarting
 *   Postgres, or a query failing with an error that `isDatabaseUnavailable` recognises). A probe
 *   (`SELECT 1`) runs with exponential backoff and full jitter, from `backoffBaseMs` up to
 *   `backoffMaxMs`, until one succeeds; then UP again. Meanwhile API operations fail at once with
 *   UNAVAILABLE instead of each waiting for its own timeout.
 *
 * The pool (node-postgres) opens new connections on demand, so "reconnecting" is the probe's
 * success: nothing else needs re-creating. Listeners (the LISTEN/NOTIFY bus, the runner) hear each
 * change of mode.
 */
import { databaseUnavailableReason } from "./unavailable";

export type DatabaseMode = "up" | "down";

export interface DatabaseMonitorOptions {
  /** Runs one cheap query; throws when the database does not answer. */
  probe: () => Promise<void>;
  backoffBaseMs: number;
  backoffMaxMs: number;
  log?: (message: string) => void;
}

export class DatabaseMonitor {
  private current: DatabaseMode = "up";
  private downSince: Date | undefined;
  private reason = "";
  private probing = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(mode: DatabaseMode) => void>();

  constructor(private readonly options: DatabaseMonitorOptions) {}

  get mode(): DatabaseMode {
    return this.current;
  }

  /** While down: since when, and the error that started it. */
  outage(): { since: Date; reason: string } | undefined {
    return this.downSince ? { since: this.downSince, reason: this.reason } : undefined;
  }

  /** Called with any error seen talking to the database; returns whether it means an outage. */
  noteError(error: unknown): boolean {
    const reason = databaseUnavailableReason(error);
    if (reason === undefined) return false;
    if (this.current === "up" && !this.closed) {
      this.current = "down";
      this.downSince = new Date();
      this.reason = reason;
      this.options.log?.(`database unavailable (${reason}): probing with backoff until it answers`);
      this.emit();
      void this.probeUntilUp();
    }
    return true;
  }

  onChange(listener: (mode: DatabaseMode) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (error) {
        this.options.log?.(`a database monitor listener failed: ${String(error)}`);
      }
    }
  }

  private async probeUntilUp(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    for (let attempt = 0; !this.closed; attempt++) {
      const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** attempt);
      await new Promise<void>((resolve) => (this.timer = setTimeout(resolve, Math.random() * ceiling)));
      if (this.closed) break;
      try {
        await this.options.probe();
      } catch {
        continue;
      }
      const downFor = Date.now() - (this.downSince?.getTime() ?? Date.now());
      this.current = "up";
      this.downSince = undefined;
      this.options.log?.(`database available again after ${downFor} ms`);
      this.emit();
      break;
    }
    this.probing = false;
  }
}
