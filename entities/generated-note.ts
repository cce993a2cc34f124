import { Field, Float, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column, Entity, JoinColumn, ManyToOne } from "typeorm";
import { BaseRow } from "./base-row";
import { numericToNumber } from "./columns";
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

  @Field({ description: "Version of the prompt files that produced the note" })
  @Column({ name: "prompt_version", type: "text", default: "" })
  promptVersion!: string;

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

  @Field(() => Float)
  @Column({ name: "cost_usd", type: "numeric", precision: 14, scale: 6, default: 0, transformer: numericToNumber })
  costUsd!: number;

  @Field(() => Int)
  @Column({ name: "duration_ms", type: "int", default: 0 })
  durationMs!: number;
}
