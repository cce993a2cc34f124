/**
 * The run's progress kept in memory between database snapshots, so that every event can carry the
 * progress after it without an aggregate query per event. It starts from the database and applies
 * each transition after the transition was written; the progress subscription and query read the
 * database itself.
 */
import type { JobKind, Progress } from "./types";

export class ProgressTracker {
  private finishedThisRun = 0;

  constructor(
    private progress: Progress,
    private readonly startedAt: number,
  ) {}

  claimed(kind: JobKind, n: number): void {
    const counts = this.counts(kind);
    counts.running += n;
    counts.pending -= n;
  }

  released(kind: JobKind, n: number): void {
    const counts = this.counts(kind);
    counts.running -= n;
    counts.pending += n;
  }

  /**
   * An attempt's spend. An unknown cost makes the total unknown; `unpriced` counts attempts here
   * (the database's count, read on the next snapshot, counts jobs).
   */
  spent(inputTokens: number, outputTokens: number, costUsd: number | null): void {
    this.progress.inputTokens += inputTokens;
    this.progress.outputTokens += outputTokens;
    if (costUsd === null) this.progress.unpriced += 1;
    // This process's share of the run's spend (the database's spent_usd, read on the next snapshot, has every process's).
    if (this.progress.spentUsd !== null && costUsd !== null)
      this.progress.spentUsd = Math.round((this.progress.spentUsd + costUsd) * 1e6) / 1e6;
    const total = this.progress.costUsd;
    this.progress.costUsd = total === null || costUsd === null ? null : Math.round((total + costUsd) * 1e6) / 1e6;
  }

  succeeded(kind: JobKind): void {
    const counts = this.counts(kind);
    counts.running -= 1;
    counts.succeeded += 1;
    this.finishedThisRun += 1;
  }

  /** A failed note takes the grades it would have planned out of the expected ones. */
  failed(kind: JobKind, gradesNotPlanned = 0): void {
    const counts = this.counts(kind);
    counts.running -= 1;
    counts.failed += 1;
    this.finishedThisRun += 1;
    if (gradesNotPlanned > 0) {
      this.progress.grades.expected -= gradesNotPlanned;
      this.progress.grades.pending -= gradesNotPlanned;
    }
  }

  replace(progress: Progress): void {
    this.progress = progress;
  }

  snapshot(): Progress {
    const p = this.progress;
    const now = Date.now();
    const elapsedMs = now - this.startedAt;
    const remaining = p.notes.pending + p.notes.running + p.grades.pending + p.grades.running;
    return {
      ...p,
      notes: { ...p.notes },
      grades: { ...p.grades },
      elapsedMs,
      etaMs: remaining === 0 ? 0 : this.finishedThisRun === 0 ? null : Math.round((remaining * elapsedMs) / this.finishedThisRun),
      done: p.notes.expected > 0 && remaining === 0,
      at: now,
    };
  }

  private counts(kind: JobKind) {
    return kind === "note" ? this.progress.notes : this.progress.grades;
  }
}
