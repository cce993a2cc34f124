/**
 * How each topic travels between processes (see postgres-event-bus.ts): ids on the wire, rows loaded
 * by the receiver.
 *
 * - experiment-events: the event without its `result` / `grade` rows (flags say which it had), its
 *   error cut to ERROR_WIRE_CHARS; the receiver loads the rows of a batch in one query per table.
 *   The rows are read when the event arrives, so they may be newer than the event (a note that
 *   already succeeded by then): the event's own fields (type, attempt, error) say what happened.
 *   Every event delivered on a process, its own ones included, carries the database's progress,
 *   read once per batch after the batch's changes were committed: a driver's own counts miss what
 *   other processes did. Reads are made one after the other, so a subscriber's progress never goes
 *   back.
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

export function makeTopicCodecs(
  db: DataSource,
  loadProgress: (experimentId: number) => Promise<unknown>,
): Record<string, TopicCodec> {
  const finals = new FinalEvents(db, (topic) => loadProgress(idOfTopic(topic)));
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
      const events = messages as EventOnWire[];
      const resultIds = events.filter((e) => e.withResult && e.resultId).map((e) => e.resultId!);
      const gradeIds = events.filter((e) => e.withGrade && e.scoreJobId).map((e) => e.scoreJobId!);
      const [results, grades, progress] = await Promise.all([
        resultIds.length ? db.getRepository(ExperimentResult).findBy({ id: In(resultIds) }) : [],
        gradeIds.length ? db.getRepository(ExperimentResultScore).findBy({ id: In(gradeIds) }) : [],
        loadProgress(idOfTopic(topic)),
      ]);
      const resultById = new Map(results.map((r) => [r.id, r]));
      const gradeById = new Map(grades.map((g) => [g.id, g]));
      return events.map(({ withResult, withGrade, ...event }) => ({
        ...event,
        result: withResult ? (resultById.get(event.resultId!) ?? null) : null,
        grade: withGrade ? (gradeById.get(event.scoreJobId!) ?? null) : null,
        progress,
      }));
    },
    async local(topic, payloads) {
      const progress = await loadProgress(idOfTopic(topic));
      return payloads.map((event) => ({ ...(event as object), progress }));
    },
    admit: (topic, payload) => finals.admit(topic, payload as JobEvent),
    open: (topic) => finals.open(topic),
    close: (topic) => finals.close(topic),
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
