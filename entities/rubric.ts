import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, JoinColumn, ManyToOne } from "typeorm";
import { BaseRow } from "./base-row";
import { Case } from "./case";

export enum RubricValidation {
  not_evaluated = "not_evaluated",
  refused = "refused",
  accepted = "accepted",
}
registerEnumType(RubricValidation, { name: "RubricValidation" });

export enum CriterionSense {
  positive = "positive",
  negative = "negative",
}
registerEnumType(CriterionSense, { name: "CriterionSense" });

@ObjectType()
export class RubricCriterion {
  @Field()
  criterion!: string;

  @Field(() => Float)
  weight!: number;

  @Field(() => CriterionSense)
  sense!: CriterionSense;
}

/** The author of a generated rubric; any other author is a human reviewer's email address. */
export const LLM_AUTHOR = "llm";

/** A grading rubric for a case, written by an LLM or a human reviewer and validated by one. */
@ObjectType()
@Entity({ name: "rubric" })
@Index("rubric_case_validation_idx", ["caseId", "validation"])
export class Rubric extends BaseRow {
  @Field(() => Int)
  @Column({ name: "case_id", type: "int" })
  caseId!: number;

  @ManyToOne(() => Case, (c) => c.rubrics, { onDelete: "CASCADE" })
  @JoinColumn({ name: "case_id" })
  case?: Case;

  @Field(() => Int, { nullable: true, description: "The rubric this one was derived from" })
  @Column({ name: "parent_rubric_id", type: "int", nullable: true })
  parentRubricId!: number | null;

  @ManyToOne(() => Rubric, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "parent_rubric_id" })
  parentRubric?: Rubric | null;

  @Field(() => RubricValidation)
  @Column({
    type: "enum",
    enum: RubricValidation,
    enumName: "rubric_validation",
    default: RubricValidation.not_evaluated,
  })
  validation!: RubricValidation;

  @Field(() => Date, { nullable: true })
  @Column({ name: "validation_timestamp", type: "timestamptz", nullable: true })
  validationTimestamp!: Date | null;

  @Field({ description: "An email address for a human reviewer, `llm` for a generated rubric" })
  @Column({ type: "text" })
  author!: string;

  @Field(() => [RubricCriterion])
  @Column({ type: "jsonb" })
  rubric!: RubricCriterion[];

  @Field({ description: "The existing tool's classification of where the case came from, as its reviewers wrote it" })
  @Column({ name: "case_provenance_classification", type: "text", default: "" })
  caseProvenanceClassification!: string;

  @Field()
  @Column({ type: "text", default: "" })
  comments!: string;

  @Field()
  @Column({ name: "text_llm_vendor", type: "text", default: "" })
  textLlmVendor!: string;

  @Field()
  @Column({ name: "text_llm_name", type: "text", default: "" })
  textLlmName!: string;

  @Field(() => Float)
  @Column({ type: "double precision", default: 0 })
  temperature!: number;
}
