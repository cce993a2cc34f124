/**
 * How each topic travels between processes (see postgres-event-bus.ts): ids on the wire, rows loaded
 * by the receiver.
 *
 * - experiment-events: the event without its `result` / `grade` rows (flags say which it had), its
 *   error cut to ERROR_WIRE_CHARS; the receiver loads the rows of a batch in one query per table.
 *   The rows are read when the event arrives, so they may be newer than the event (a note that
 *   already succeeded by then): the event's own fields (type, attempt, error) say what happened.
 *   Events from other processes carry the database's progress, read after their changes were
 *   committed (stamp-reads.ts: one read serves a burst). A process's own events carry its driver's progress while it is
 *   the only publisher on the topic (exact: the driver counts every change it writes), the
 *   database's once another process's events arrived (for REMOTE_PUBLISHER_WINDOW_MS). An event whose
 *   progress is older than one already delivered here carries that one instead: never back.
 *   Final events are recoverable (final-events.ts): each process with subscribers on the topic
 *   remembers the jobs whose final event it delivered, drops anything that would follow one, and
 *   catches up from the job rows what never arrived (after a reconnect, and every few seconds, for
 *   a publisher that died between its commit and its NOTIFY).
 * - experiment-progress: only the experiment's id; the receiver computes the progress from the rows
 *   once per batch (later messages of a batch supersede earlier ones). After a reconnect the current
 *   progress is sent to its subscribers.
 */
import { In, type DataSource } from "typeorm";
import { ExperimentResult } from "../../entities/experiment-result";
import { ExperimentResultScore } from "../../entities/experiment-result-score";
import { FinalEvents, type JobEvent } from "./final-events";
import type { TopicCodec } from "./postgres-event-bus";
import { isOlderProgress, type Snapshot } from "./progress-order";
import { StampReads } from "./stamp-reads";

/**
 * After another process's events on a topic arrived, this process's own events get the database's
 * progress for this long (its driver's counts miss the other's work, and may for the rest of the run).
 */
export const REMOTE_PUBLISHER_WINDOW_MS = 10 * 60_000;

/** Enough to read a failure; the whole error list stays on the job's row. */
export const ERROR_WIRE_CHARS = 2_000;

interface EventOnWire {
  /** The event had a note row / a grade row. */
  withResult?: true;
  withGrade?: true;
  resultId?: number | null;
  scoreJobId?: number | null;
  error?: string | null;
  [field: string]: unknown;
}

const idOfTopic = (topic: string) => Number(topic.slice(topic.indexOf(":") + 1));

export interface ProgressLoaders {
  /** The whole progress (the progress topic). */
  progress: (experimentId: number) => Promise<unknown>;
  /** The progress without the vendors' limits: one statement, what events are stamped with. */
  counts: (experimentId: number) => Promise<object>;
}

export function makeTopicCodecs(db: DataSource, loaders: ProgressLoaders): Record<string, TopicCodec> {
  const loadProgress = loaders.progress;
  const reads = new Map<string, StampReads>();
  /**
   * The database's counts as read after every change of `events` was committed (a read that started
   * after the latest `at` serves them), with the limits the event's publisher knew (limits change
   * slowly; the progress topic reads them).
   */
  const stamp = async (topic: string, events: unknown[]) => {
    let topicReads = reads.get(topic);
    if (!topicReads) reads.set(topic, (topicReads = new StampReads(() => loaders.counts(idOfTopic(topic)))));
    const counts = await topicReads.after(Math.max(0, ...events.map((e) => (e as { at?: number }).at ?? 0)));
    return (event: unknown) => {
      const published = (event as { progress?: { limits?: unknown } }).progress;
      return { ...(event as object), progress: { ...counts, limits: published?.limits ?? [] } };
    };
  };
  const finals = new FinalEvents(db, async (topic) => ({ ...(await loaders.counts(idOfTopic(topic))), limits: [] }));
  /** When another process's events on the topic last arrived here. */
  const remotePublisherSeen = new Map<string, number>();
  /** The newest progress delivered on the topic here. */
  const lastProgress = new Map<string, Snapshot>();
  const experimentEvents: TopicCodec = {
    encode(payload) {
      const { result, grade, error, ...rest } = payload as EventOnWire & { result?: unknown; grade?: unknown };
      return {
        ...rest,
        error: typeof error === "string" && error.length > ERROR_WIRE_CHARS ? `${error.slice(0, ERROR_WIRE_CHARS)}…` : error,
        ...(result ? { withResult: true } : {}),
        ...(grade ? { withGrade: true } : {}),
      } satisfies EventOnWire;
    },
    async decode(topic, messages) {
      remotePublisherSeen.set(topic, Date.now());
      const events = messages as EventOnWire[];
      const resultIds = events.filter((e) => e.withResult && e.resultId).map((e) => e.resultId!);
      const gradeIds = events.filter((e) => e.withGrade && e.scoreJobId).map((e) => e.scoreJobId!);
      const [results, grades, stamped] = await Promise.all([
        resultIds.length ? db.getRepository(ExperimentResult).findBy({ id: In(resultIds) }) : [],
        gradeIds.length ? db.getRepository(ExperimentResultScore).findBy({ id: In(gradeIds) }) : [],
        stamp(topic, events),
      ]);
      const resultById = new Map(results.map((r) => [r.id, r]));
      const gradeById = new Map(grades.map((g) => [g.id, g]));
      return events.map(({ withResult, withGrade, ...event }) =>
        stamped({
          ...event,
          result: withResult ? (resultById.get(event.resultId!) ?? null) : null,
          grade: withGrade ? (gradeById.get(event.scoreJobId!) ?? null) : null,
        }),
      );
    },
    local: {
      // Alone on the topic, a process's driver counts every change itself: its progress is exact.
      needed: (topic) => (remotePublisherSeen.get(topic) ?? 0) > Date.now() - REMOTE_PUBLISHER_WINDOW_MS,
      async rebuild(topic, payloads) {
        return payloads.map(await stamp(topic, payloads));
      },
    },
    admit(topic, payload) {
      const event = payload as JobEvent & { progress?: Snapshot };
      if (!finals.admit(topic, event)) return undefined;
      // Never back: a snapshot older than one delivered (a driver's own count, a read that answered late) gives way to it.
      const last = lastProgress.get(topic);
      if (!event.progress?.notes || !finals.isOpen(topic)) return event;
      if (last && isOlderProgress(last, event.progress)) return { ...event, progress: last };
      lastProgress.set(topic, event.progress);
      return event;
    },
    open: (topic) => finals.open(topic),
    close: (topic) => {
      finals.close(topic);
      lastProgress.delete(topic);
      remotePublisherSeen.delete(topic);
      reads.delete(topic);
    },
    resync: (topic) => finals.catchUp(topic),
    catchUp: (topic) => finals.catchUp(topic),
  };

  const experimentProgress: TopicCodec = {
    encode: () => 1,
    async decode(topic, messages) {
      const progress = await loadProgress(idOfTopic(topic));
      return messages.map((_, i) => (i === messages.length - 1 ? progress : undefined));
    },
    async resync(topic) {
      return [await loadProgress(idOfTopic(topic))];
    },
  };

  return { "experiment-events": experimentEvents, "experiment-progress": experimentProgress };
}
