import { Field, Float, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column, Entity, Index, JoinColumn, ManyToOne } from "typeorm";
import { BaseRow } from "./base-row";
import { numericToNumber } from "./columns";
import { Experiment } from "./experiment";
import { RunStatus } from "./job-status";

export interface SkippedCase {
  caseId: number;
  caseName: string;
  reason: string;
}

/** One start of an experiment. At most one run per experiment is `running` (a partial unique index). */
@ObjectType()
@Entity({ name: "experiment_run" })
@Index("experiment_run_one_active_idx", ["experimentId"], { unique: true, where: `"status" = 'running'` })
export class ExperimentRun extends BaseRow {
  @Field(() => Int)
  @Column({ name: "experiment_id", type: "int" })
  experimentId!: number;

  @ManyToOne(() => Experiment, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_id" })
  experiment?: Experiment;

  @Field(() => RunStatus)
  @Column({ type: "enum", enum: RunStatus, enumName: "run_status", default: RunStatus.running })
  status!: RunStatus;

  @Field(() => Int)
  @Column({ type: "int" })
  workers!: number;

  @Field(() => Int)
  @Column({ name: "max_attempts", type: "int" })
  maxAttempts!: number;

  @Field()
  @Column({ name: "retry_failed", type: "boolean", default: false })
  retryFailed!: boolean;

  @Field(() => Date, { nullable: true })
  @Column({ name: "started_at", type: "timestamptz", nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: "finished_at", type: "timestamptz", nullable: true })
  finishedAt!: Date | null;

  /**
   * Refreshed every RUN_POLL_MS by each process driving the run. Older than JOB_LEASE_MS: no process
   * drives it any more; a new start ends it `interrupted`, a joining process says it resumed it.
   */
  @Column({ name: "heartbeat_at", type: "timestamptz", nullable: true })
  heartbeatAt!: Date | null;

  @Field(() => GraphQLJSON, { description: "Cases not run, each with the reason: [{caseId, caseName, reason}]" })
  @Column({ name: "skipped_cases", type: "jsonb", default: [] })
  skippedCases!: SkippedCase[];

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  error!: string | null;

  @Field(() => Float, { nullable: true, description: "USD this start may spend; null: no budget (docs/budgets.md)" })
  @Column({ name: "budget_usd", type: "numeric", precision: 14, scale: 6, nullable: true, transformer: numericToNumber })
  budgetUsd!: number | null;

  /** USD spent by this start's attempts, counted only when it has a budget (GraphQL: null without one). */
  @Column({ name: "spent_usd", type: "numeric", precision: 14, scale: 6, default: 0, transformer: numericToNumber })
  spentUsd!: number;

  /** USD reserved by attempts in flight (each one's estimated cost), released when they end. */
  @Column({ name: "reserved_usd", type: "numeric", precision: 14, scale: 6, default: 0, transformer: numericToNumber })
  reservedUsd!: number;
}
