import { Field, ObjectType, registerEnumType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column, Entity, OneToMany } from "typeorm";
import { BaseRow } from "./base-row";
import type { Rubric } from "./rubric";

export enum CaseValidationStatus {
  generation = "generation",
  review = "review",
  evaluation = "evaluation",
}
registerEnumType(CaseValidationStatus, { name: "CaseValidationStatus" });

/** A recorded encounter: the transcript and the limited chart a note generator works from. */
@ObjectType()
@Entity({ name: "case" })
export class Case extends BaseRow {
  @Field()
  @Column({ type: "text", unique: true })
  name!: string;

  @Field(() => GraphQLJSON, { description: "A list of {speaker, text} turns, or an object of cycles {cycle_001: [turns]}" })
  @Column({ type: "jsonb" })
  transcript!: unknown;

  @Field(() => GraphQLJSON)
  @Column({ name: "limited_chart", type: "jsonb", default: {} })
  limitedChart!: unknown;

  @Field()
  @Column({ type: "text", default: "" })
  profile!: string;

  @Field(() => CaseValidationStatus)
  @Column({
    name: "validation_status",
    type: "enum",
    enum: CaseValidationStatus,
    enumName: "case_validation_status",
    default: CaseValidationStatus.generation,
  })
  validationStatus!: CaseValidationStatus;

  @Field()
  @Column({ name: "batch_identifier", type: "text", default: "" })
  batchIdentifier!: string;

  @Field(() => GraphQLJSON)
  @Column({ type: "jsonb", default: {} })
  tags!: unknown;

  @OneToMany("Rubric", (rubric: Rubric) => rubric.case)
  rubrics?: Rubric[];
}
