import { Field, Int, ObjectType } from "type-graphql";
import { Column, Entity } from "typeorm";
import { BaseRow } from "./base-row";

/** What is measured: one generator version, its cycle settings and how many notes and grades to make. */
@ObjectType()
@Entity({ name: "experiment" })
export class Experiment extends BaseRow {
  @Field()
  @Column({ type: "text", unique: true })
  name!: string;

  @Field({ description: "The version of the note generator under test, e.g. a commit hash" })
  @Column({ name: "hyperscribe_version", type: "text" })
  hyperscribeVersion!: string;

  @Field(() => [Int])
  @Column({ name: "cycle_times", type: "jsonb", default: [] })
  cycleTimes!: number[];

  @Field(() => [Int], { description: "Words of the previous cycles given as context, one run per value" })
  @Column({ name: "cycle_transcript_overlaps", type: "jsonb", default: [100] })
  cycleTranscriptOverlaps!: number[];

  @Field(() => Int)
  @Column({ name: "note_replications", type: "int", default: 1 })
  noteReplications!: number;

  @Field(() => Int)
  @Column({ name: "grade_replications", type: "int", default: 1 })
  gradeReplications!: number;
}
