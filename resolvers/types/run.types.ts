import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { ExperimentResult } from "../../entities/experiment-result";
import { ExperimentResultScore } from "../../entities/experiment-result-score";
import { RunStatus } from "../../entities/job-status";

@ObjectType({ description: "Counts of one kind of job (notes or grades)" })
export class JobCounts {
  @Field(() => Int)
  expected!: number;
  @Field(() => Int)
  succeeded!: number;
  @Field(() => Int)
  failed!: number;
  @Field(() => Int, { description: "A worker is on it now" })
  running!: number;
  @Field(() => Int, { description: "Expected but not started (includes grades of notes still to finish)" })
  pending!: number;
}

@ObjectType({
  description:
    "A vendor key's limit across every process of the cluster (the key is named by vendor and base URL only, never shown)",
})
export class KeyLimit {
  @Field()
  vendor!: string;
  @Field()
  baseUrl!: string;
  @Field(() => Int, {
    description: "Requests in flight the processes using the key allow together now (the last known when none does)",
  })
  limit!: number;
  @Field(() => Int)
  inFlight!: number;
  @Field(() => Int, { description: "Processes using the key now; each takes 1/processes of its limits" })
  processes!: number;
  @Field(() => Float, { description: "Each process's share of the key's limits (1 when alone)" })
  share!: number;
  @Field(() => String, { nullable: true, description: "Why a process's limit last changed, in words" })
  reason!: string | null;
  @Field(() => Float, { nullable: true, description: "When it changed, epoch ms" })
  changedAt!: number | null;
}

@ObjectType()
export class ExperimentProgress {
  @Field(() => Int)
  experimentId!: number;
  @Field(() => Int, { nullable: true, description: "The latest run" })
  runId!: number | null;
  @Field(() => RunStatus, { nullable: true })
  runStatus!: RunStatus | null;
  @Field(() => JobCounts)
  notes!: JobCounts;
  @Field(() => JobCounts)
  grades!: JobCounts;
  @Field(() => Float)
  inputTokens!: number;
  @Field(() => Float)
  outputTokens!: number;
  @Field(() => Float, {
    nullable: true,
    description: "What the jobs cost, USD; null when some spent tokens on a model without a price (see unpriced)",
  })
  costUsd!: number | null;
  @Field(() => Int, { description: "Jobs whose cost is unknown: they spent tokens on a model without a price" })
  unpriced!: number;
  @Field(() => Float, { nullable: true, description: "The latest run's budget, USD; null when it has none" })
  budgetUsd!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      "What the latest run's attempts spent against its budget, USD (costUsd is the experiment's); null without a budget",
  })
  spentUsd!: number | null;
  @Field(() => Float)
  elapsedMs!: number;
  @Field(() => Float, { nullable: true, description: "Estimated ms to the end at this run's pace; null until known" })
  etaMs!: number | null;
  @Field({ description: "Every expected note and grade has finished" })
  done!: boolean;
  @Field(() => Float, { description: "Server time of this snapshot, epoch ms" })
  at!: number;
  @Field(() => [KeyLimit], { description: "The limits of the keys this experiment's vendors used since the run started" })
  limits!: KeyLimit[];
}

export enum ExperimentEventType {
  run_started = "run_started",
  run_finished = "run_finished",
  run_cancelled = "run_cancelled",
  run_interrupted = "run_interrupted",
  run_failed = "run_failed",
  note_queued = "note_queued",
  note_started = "note_started",
  note_retrying = "note_retrying",
  note_succeeded = "note_succeeded",
  note_failed = "note_failed",
  grade_queued = "grade_queued",
  grade_started = "grade_started",
  grade_retrying = "grade_retrying",
  grade_succeeded = "grade_succeeded",
  grade_failed = "grade_failed",
}
registerEnumType(ExperimentEventType, { name: "ExperimentEventType" });

@ObjectType({ description: "A state change of a run, a note or a grade, published after it was written" })
export class ExperimentResultEvent {
  @Field(() => ExperimentEventType)
  type!: ExperimentEventType;
  @Field(() => Int)
  experimentId!: number;
  @Field(() => Int)
  runId!: number;
  @Field(() => Float, { description: "Server time of the event, epoch ms" })
  at!: number;
  @Field(() => ExperimentResult, { nullable: true, description: "The note concerned (note events)" })
  result!: ExperimentResult | null;
  @Field(() => ExperimentResultScore, { nullable: true, description: "The grade concerned (grade events)" })
  grade!: ExperimentResultScore | null;
  @Field(() => Int, { nullable: true })
  resultId!: number | null;
  @Field(() => Int, { nullable: true })
  attempt!: number | null;
  @Field(() => String, { nullable: true, description: "The error of a failed or retried attempt" })
  error!: string | null;
  @Field(() => ExperimentProgress, { description: "Progress after this change" })
  progress!: ExperimentProgress;
}

@ObjectType()
export class ExperimentResultEdge {
  @Field()
  cursor!: string;
  @Field(() => ExperimentResult)
  node!: ExperimentResult;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;
  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class ExperimentResultConnection {
  @Field(() => [ExperimentResultEdge])
  edges!: ExperimentResultEdge[];
  @Field(() => PageInfo)
  pageInfo!: PageInfo;
  @Field(() => Int)
  totalCount!: number;
}
