import { Field, Float, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column } from "typeorm";
import { BaseRow } from "./base-row";
import { CostColumn } from "./columns";
import { JobStatus } from "./job-status";

/** One failed attempt, kept on the job so that nothing about a failure is lost. */
export interface AttemptError {
  attempt: number;
  at: string;
  kind: string;
  message: string;
}

/** The columns every job (a planned note or grade) carries: its state, attempts, timings and cost. */

@ObjectType({ description: "Fields every job has; not used on its own" })
export abstract class JobColumns extends BaseRow {
  @Field(() => JobStatus)
  @Column({ type: "enum", enum: JobStatus, enumName: "job_status", default: JobStatus.planned })
  status!: JobStatus;

  @Field(() => Boolean, { nullable: true, description: "null until the job has finished" })
  @Column({ type: "boolean", nullable: true })
  failed!: boolean | null;

  @Field(() => GraphQLJSON, { description: "The error of every failed attempt: [{attempt, at, kind, message}]" })
  @Column({ type: "jsonb", default: [] })
  errors!: AttemptError[];

  @Field(() => Int, { description: "Attempts that reached an outcome (failed or succeeded), over the job's life" })
  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Field(() => Int, {
    description: "Failed attempts counted against maxAttempts (across runs; retryFailed starts a fresh budget)",
  })
  @Column({ name: "failed_attempts", type: "int", default: 0 })
  failedAttempts!: number;

  @Field(() => Int, { nullable: true, description: "The run that last worked on this job" })
  @Column({ name: "run_id", type: "int", nullable: true })
  runId!: number | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: "started_at", type: "timestamptz", nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: "finished_at", type: "timestamptz", nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: "duration_ms", type: "int", nullable: true })
  durationMs!: number | null;

  /** While running: until when the claim holds without a heartbeat; the reaper plans the job again after. */
  @Column({ name: "lease_expires_at", type: "timestamptz", nullable: true })
  leaseExpiresAt!: Date | null;

  /** While running: the process that claimed the job; its writes check it. */
  @Column({ name: "owner_id", type: "text", nullable: true })
  ownerId!: string | null;

  @Field(() => Int)
  @Column({ name: "input_tokens", type: "int", default: 0 })
  inputTokens!: number;

  @Field(() => Int)
  @Column({ name: "output_tokens", type: "int", default: 0 })
  outputTokens!: number;

  /** Null once tokens were spent on a model without a price: the cost is unknown, never 0. */
  @Field(() => Float, { nullable: true, description: "USD; null when tokens were spent on a model without a price" })
  @CostColumn()
  costUsd!: number | null;

  @Field({ description: "Vendor of the model that did the job (generator for a note, grader for a grade)" })
  @Column({ name: "text_llm_vendor", type: "text", default: "" })
  textLlmVendor!: string;

  @Field()
  @Column({ name: "text_llm_name", type: "text", default: "" })
  textLlmName!: string;
}
