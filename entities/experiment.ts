import { Field, Int, ObjectType } from "type-graphql";
import { Column, Entity } from "typeorm";
import { BaseRow } from "./base-row";

/**
 * What is measured: one generator at one version, its cycle settings and how many notes and grades
 * to make. Fixed once it has planned jobs (see ExperimentService.createOrUpdate).
 */
@ObjectType()
@Entity({ name: "experiment" })
export class Experiment extends BaseRow {
  @Field()
  @Column({ type: "text", unique: true })
  name!: string;

  @Field({ description: "The generator under test: a name from the operator's generators file (see the generators query)" })
  @Column({ type: "text", default: "builtin" })
  generator!: string;

  @Field({ description: "The version of the generator under test as given, e.g. a tag or commit of its repository" })
  @Column({ name: "hyperscribe_version", type: "text" })
  hyperscribeVersion!: string;

  @Field(() => String, {
    nullable: true,
    description: "The full commit hash the version resolved to, for a generator with a repository; null otherwise",
  })
  @Column({ name: "generator_commit", type: "text", nullable: true })
  generatorCommit!: string | null;

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
