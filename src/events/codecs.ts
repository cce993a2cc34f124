/**
 * How each topic travels between processes (see postgres-event-bus.ts): ids on the wire, rows loaded
 * by the receiver.
 *
 * - experiment-events: the event without its `result` / `grade` rows (flags say which it had), its
 *   error cut to ERROR_WIRE_CHARS; the receiver loads the rows of a batch in one query per table.
 *   The rows are read when the event arrives, so they may be newer than the event (a note that
 *   already succeeded by then): the event's own fields (type, attempt, error) say what happened.
 * - experiment-progress: only the experiment's id; the receiver computes the progress from the rows
 *   once per batch (later messages of a batch supersede earlier ones). After a reconnect the current
 *   progress is sent to its subscribers.
 */
import { In, type DataSource } from "typeorm";
import { ExperimentResult } from "../../entities/experiment-result";
import { ExperimentResultScore } from "../../entities/experiment-result-score";
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
    async decode(_topic, messages) {
      const events = messages as EventOnWire[];
      const resultIds = events.filter((e) => e.withResult && e.resultId).map((e) => e.resultId!);
      const gradeIds = events.filter((e) => e.withGrade && e.scoreJobId).map((e) => e.scoreJobId!);
      const [results, grades] = await Promise.all([
        resultIds.length ? db.getRepository(ExperimentResult).findBy({ id: In(resultIds) }) : [],
        gradeIds.length ? db.getRepository(ExperimentResultScore).findBy({ id: In(gradeIds) }) : [],
      ]);
      const resultById = new Map(results.map((r) => [r.id, r]));
      const gradeById = new Map(grades.map((g) => [g.id, g]));
      return events.map(({ withResult, withGrade, ...event }) => ({
        ...event,
        result: withResult ? (resultById.get(event.resultId!) ?? null) : null,
        grade: withGrade ? (gradeById.get(event.scoreJobId!) ?? null) : null,
      }));
    },
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
