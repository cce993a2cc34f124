import { Field, Float, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column, Entity, JoinColumn, ManyToOne } from "typeorm";
import { BaseRow } from "./base-row";
import { CostColumn } from "./columns";
import { Case } from "./case";

/** A note the generator wrote for a case, with what it cost. */
@ObjectType()
@Entity({ name: "generated_note" })
export class GeneratedNote extends BaseRow {
  @Field(() => Int)
  @Column({ name: "case_id", type: "int" })
  caseId!: number;

  @ManyToOne(() => Case, { onDelete: "CASCADE" })
  @JoinColumn({ name: "case_id" })
  case?: Case;

  @Field()
  @Column({ name: "hyperscribe_version", type: "text", default: "" })
  hyperscribeVersion!: string;

  @Field({ description: "Version of the prompt files that produced the note (builtin generators)" })
  @Column({ name: "prompt_version", type: "text", default: "" })
  promptVersion!: string;

  @Field({ description: "The generator that wrote the note (a name from the operator's generators file)" })
  @Column({ name: "generator_name", type: "text", default: "" })
  generatorName!: string;

  @Field({ description: "builtin, command or http" })
  @Column({ name: "generator_kind", type: "text", default: "" })
  generatorKind!: string;

  @Field({ description: "The full commit hash the generator ran at, for a generator with a repository; empty otherwise" })
  @Column({ name: "generator_commit", type: "text", default: "" })
  generatorCommit!: string;

  @Field(() => Int)
  @Column({ name: "cycle_duration", type: "int", default: 0 })
  cycleDuration!: number;

  @Field(() => Int)
  @Column({ name: "cycle_count", type: "int", default: 0 })
  cycleCount!: number;

  @Field(() => Int)
  @Column({ name: "cycle_transcript_overlap", type: "int", default: 0 })
  cycleTranscriptOverlap!: number;

  @Field()
  @Column({ name: "text_llm_vendor", type: "text", default: "" })
  textLlmVendor!: string;

  @Field()
  @Column({ name: "text_llm_name", type: "text", default: "" })
  textLlmName!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ name: "note_json", type: "jsonb", nullable: true })
  noteJson!: unknown;

  @Field(() => GraphQLJSON, { description: "The existing tool's generator artifact; {} when the generator reports none" })
  @Column({ name: "staged_questionnaires", type: "jsonb", default: {} })
  stagedQuestionnaires!: unknown;

  @Field(() => GraphQLJSON, { description: "The existing tool's generator artifact; {} when the generator reports none" })
  @Column({ name: "transcript2instructions", type: "jsonb", default: {} })
  transcript2instructions!: unknown;

  @Field(() => GraphQLJSON, { description: "The existing tool's generator artifact; {} when the generator reports none" })
  @Column({ name: "instruction2parameters", type: "jsonb", default: {} })
  instruction2parameters!: unknown;

  @Field(() => GraphQLJSON, { description: "The existing tool's generator artifact; {} when the generator reports none" })
  @Column({ name: "parameters2command", type: "jsonb", default: {} })
  parameters2command!: unknown;

  @Field(() => GraphQLJSON, { description: "The existing tool's token counts: {prompt, generated} (input and output tokens)" })
  @Column({ name: "token_counts", type: "jsonb", default: { prompt: 0, generated: 0 } })
  tokenCounts!: { prompt: number; generated: number };

  @Field({ description: "True for a note written by an experiment run (the existing tool's flag)" })
  @Column({ type: "boolean", default: false })
  experiment!: boolean;

  @Field()
  @Column({ type: "boolean", default: false })
  failed!: boolean;

  @Field(() => GraphQLJSON)
  @Column({ type: "jsonb", default: [] })
  errors!: unknown[];

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

  @Field(() => Int)
  @Column({ name: "duration_ms", type: "int", default: 0 })
  durationMs!: number;
}
