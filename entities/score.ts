import { Field, Float, Int, ObjectType } from "type-graphql";
import { Column, Entity, JoinColumn, ManyToOne } from "typeorm";
import { BaseRow } from "./base-row";
import { CostColumn } from "./columns";
import { GeneratedNote } from "./generated-note";
import { CriterionSense, Rubric } from "./rubric";

@ObjectType()
export class CriterionScore {
  @Field(() => Int, { description: "The criterion's position in the rubric, from 0" })
  id!: number;

  @Field()
  rationale!: string;

  @Field(() => Int, {
    description: "0..100: how well the note meets the criterion; for a negative one 100 = the fault is absent",
  })
  satisfaction!: number;

  @Field(() => Float, {
    description: "weight × satisfaction / 100; for a negative criterion −weight × (100 − satisfaction) / 100",
  })
  score!: number;
  /*
   * From the rubric the grade was made against: filled in by the GraphQL field resolvers, never
   * stored in scoring_result (whose shape is the existing tool's).
   */
  @Field(() => String, { description: "The criterion's text, from the rubric" })
  criterion?: string;

  @Field(() => Float, { description: "The criterion's weight, from the rubric" })
  weight?: number;

  @Field(() => CriterionSense, { description: "positive or negative, from the rubric" })
  sense?: CriterionSense;
}

/** A grade of a note against a rubric. */
@ObjectType()
@Entity({ name: "score" })
export class Score extends BaseRow {
  @Field(() => Int)
  @Column({ name: "rubric_id", type: "int" })
  rubricId!: number;

  @ManyToOne(() => Rubric, { onDelete: "CASCADE" })
  @JoinColumn({ name: "rubric_id" })
  rubric?: Rubric;

  @Field(() => Int)
  @Column({ name: "generated_note_id", type: "int" })
  generatedNoteId!: number;

  @ManyToOne(() => GeneratedNote, { onDelete: "CASCADE" })
  @JoinColumn({ name: "generated_note_id" })
  generatedNote?: GeneratedNote;

  @Field(() => [CriterionScore])
  @Column({ name: "scoring_result", type: "jsonb" })
  scoringResult!: CriterionScore[];

  @Field(() => Float)
  @Column({ name: "overall_score", type: "double precision" })
  overallScore!: number;

  @Field({ description: "Free text about the grade (the existing tool's column); empty for grades written by runs" })
  @Column({ type: "text", default: "" })
  comments!: string;

  @Field({ description: "True for a grade written by an experiment run (the existing tool's flag)" })
  @Column({ type: "boolean", default: false })
  experiment!: boolean;

  @Field()
  @Column({ name: "text_llm_vendor", type: "text", default: "" })
  textLlmVendor!: string;

  @Field()
  @Column({ name: "text_llm_name", type: "text", default: "" })
  textLlmName!: string;

  @Field(() => Float)
  @Column({ type: "double precision", default: 0 })
  temperature!: number;

  @Field()
  @Column({ name: "prompt_version", type: "text", default: "" })
  promptVersion!: string;

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
