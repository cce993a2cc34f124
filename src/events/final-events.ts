/**
 * Every job's final event (succeeded or failed) reaches the subscribers of a process, once, even
 * when its notification was lost: the listener was disconnected (a restarted Postgres), or the
 * publisher died between its commit and its NOTIFY (a SIGKILL). The job rows are the record: a
 * final state is on the row before any event about it is published.
 *
 * Per topic with subscribers on this process, a ledger holds the jobs whose final event was
 * delivered here (by job and run). `admit` drops a job's events once its final event was delivered
 * (a late duplicate, or an earlier event that a catch-up overtook), so a subscriber never sees a job
 * go on after its end. `catchUp` reads the jobs that ended since the topic got its first subscriber
 * here (bounded by the last catch-up, less a margin; not in the last CATCH_UP_GRACE_MS) and rebuilds the final events not delivered,
 * oldest first, with the rows and the current progress. A catch-up may not repeat a job's earlier
 * events (queued, started): those are not kept anywhere.
 */
import { In, MoreThanOrEqual, type DataSource } from "typeorm";
import { ExperimentResult } from "../../entities/experiment-result";
import { ExperimentResultScore } from "../../entities/experiment-result-score";
import { JobStatus } from "../../entities/job-status";

/** What the ledger reads of an event (a RunEvent as it is delivered, with its rows). */
export interface JobEvent {
  type: string;
  experimentId: number;
  runId: number;
  resultId: number | null;
  scoreJobId: number | null;
  [field: string]: unknown;
}

/**
 * A row's `finished_at` is its statement's start; the commit (and the notification) comes at most a
 * statement timeout later, and the server's clock may differ from the database's by a little.
 */
export const CATCH_UP_MARGIN_MS = 30_000;
/**
 * A job that ended this recently may still have its events on the way (in the publisher's outbox,
 * in a NOTIFY, in this process's pipeline): a catch-up leaves it to the next one rather than
 * overtake them (which would drop them, as they would follow the final event).
 */
export const CATCH_UP_GRACE_MS = 3_000;

interface Ledger {
  /** When the topic got its first subscriber here (epoch ms): nothing before is caught up. */
  since: number;
  /** When the last catch-up that succeeded started. */
  checkedAt: number;
  /** The latest run seen: finals of earlier runs are forgotten. */
  runId: number;
  /** `note:<id>` / `grade:<id>` of the jobs of `runId` whose final event was delivered. */
  finals: Set<string>;
}

const isFinal = (type: string) => type.endsWith("_succeeded") || type.endsWith("_failed");

function jobKeyOf(event: JobEvent): string | null {
  if (event.type.startsWith("note_")) return event.resultId === null ? null : `note:${event.resultId}`;
  if (event.type.startsWith("grade_")) return event.scoreJobId === null ? null : `grade:${event.scoreJobId}`;
  return null;
}

const lastError = (row: ExperimentResult | ExperimentResultScore) => row.errors?.at(-1)?.message ?? null;

export class FinalEvents {
  private readonly ledgers = new Map<string, Ledger>();

  constructor(
    private readonly db: DataSource,
    private readonly progressOf: (topic: string) => Promise<unknown>,
  ) {}

  open(topic: string): void {
    const now = Date.now();
    this.ledgers.set(topic, { since: now, checkedAt: now, runId: 0, finals: new Set() });
  }

  close(topic: string): void {
    this.ledgers.delete(topic);
  }

  isOpen(topic: string): boolean {
    return this.ledgers.has(topic);
  }

  /** False for an event that follows its job's final event; records final events. */
  admit(topic: string, event: JobEvent): boolean {
    const ledger = this.ledgers.get(topic);
    const key = jobKeyOf(event);
    if (!ledger || !key) return true;
    if (event.runId < ledger.runId) return true; // a straggler of an earlier run: nothing to order it against
    if (event.runId > ledger.runId) {
      ledger.runId = event.runId;
      ledger.finals.clear();
    }
    if (ledger.finals.has(key)) return false;
    if (isFinal(event.type)) ledger.finals.add(key);
    return true;
  }

  /** The final events of jobs that ended and were not delivered here; `admit` records them as they go out. */
  async catchUp(topic: string): Promise<JobEvent[]> {
    const ledger = this.ledgers.get(topic);
    if (!ledger) return [];
    const experimentId = Number(topic.slice(topic.indexOf(":") + 1));
    const startedAt = Date.now();
    const from = new Date(Math.max(ledger.since, ledger.checkedAt - CATCH_UP_MARGIN_MS));
    const ended = (table: string): Promise<{ id: number; run_id: number }[]> =>
      this.db.query(
        `SELECT id, run_id FROM ${table}
         WHERE experiment_id = $1 AND status IN ('succeeded', 'failed') AND run_id >= $3
           AND finished_at >= $2 AND finished_at < now() - $4 * interval '1 millisecond'`,
        [experimentId, from, ledger.runId, CATCH_UP_GRACE_MS],
      );
    const [notes, grades] = await Promise.all([ended("experiment_result"), ended("experiment_result_score")]);
    const missing = (rows: { id: number; run_id: number }[], kind: string) =>
      rows.filter((r) => r.run_id > ledger.runId || !ledger.finals.has(`${kind}:${r.id}`)).map((r) => r.id);
    const [noteIds, gradeIds] = [missing(notes, "note"), missing(grades, "grade")];
    if (noteIds.length + gradeIds.length === 0) {
      ledger.checkedAt = startedAt;
      return [];
    }
    const [results, scores, progress] = await Promise.all([
      noteIds.length ? this.db.getRepository(ExperimentResult).findBy({ id: In(noteIds) }) : [],
      gradeIds.length ? this.db.getRepository(ExperimentResultScore).findBy({ id: In(gradeIds) }) : [],
      this.progressOf(topic),
    ]);
    const events = finalEventsOf(experimentId, results, scores, progress);
    ledger.checkedAt = startedAt;
    return events;
  }
}

/** Final events rebuilt from job rows, oldest first. */
function finalEventsOf(
  experimentId: number,
  results: ExperimentResult[],
  scores: ExperimentResultScore[],
  progress: unknown,
): JobEvent[] {
  const at = Date.now();
  const base = { experimentId, at, progress };
  const events = [
    ...results.map((row) => ({
      ...base,
      type: `note_${row.status}`,
      runId: row.runId!,
      resultId: row.id,
      scoreJobId: null,
      attempt: row.attempts,
      error: row.status === "failed" ? lastError(row) : null,
      result: row,
      grade: null,
      finishedAt: row.finishedAt?.getTime() ?? 0,
    })),
    ...scores.map((row) => ({
      ...base,
      type: `grade_${row.status}`,
      runId: row.runId!,
      resultId: row.experimentResultId,
      scoreJobId: row.id,
      attempt: row.attempts,
      error: row.status === "failed" ? lastError(row) : null,
      result: null,
      grade: row,
      finishedAt: row.finishedAt?.getTime() ?? 0,
    })),
  ].sort((a, b) => a.runId - b.runId || a.finishedAt - b.finishedAt);
  return events.map(({ finishedAt: _finishedAt, ...event }) => event);
}

/**
 * For a client that resumes (`experimentResultEvents(since:)`): the final event of every job of the
 * experiment that ended at or after `since` (epoch ms, less CATCH_UP_MARGIN_MS for the clocks and the
 * statements' length), oldest first.
 */
export async function finalEventsSince(
  db: DataSource,
  experimentId: number,
  since: number,
  progress: unknown,
): Promise<JobEvent[]> {
  const where = {
    experimentId,
    status: In([JobStatus.succeeded, JobStatus.failed]),
    finishedAt: MoreThanOrEqual(new Date(since - CATCH_UP_MARGIN_MS)),
  };
  const [results, scores] = await Promise.all([
    db.getRepository(ExperimentResult).findBy(where),
    db.getRepository(ExperimentResultScore).findBy(where),
  ]);
  return finalEventsOf(experimentId, results, scores, progress);
}
