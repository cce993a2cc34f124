import { Field, Int, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Column, Entity, Index, JoinColumn, ManyToOne, Unique } from "typeorm";
import { Case } from "./case";
import { Experiment } from "./experiment";
import { ExperimentModel } from "./experiment-model";
import { GeneratedNote } from "./generated-note";
import { JobColumns } from "./job-columns";

/**
 * One planned note of an experiment (a note job): case × model combination × cycle time ×
 * transcript overlap × replication. The unique key makes a second expansion insert nothing.
 */
@ObjectType()
@Entity({ name: "experiment_result" })
@Unique("experiment_result_job_key", [
  "experimentId",
  "caseId",
  "experimentModelId",
  "cycleTime",
  "cycleTranscriptOverlap",
  "noteReplication",
])
@Index("experiment_result_experiment_status_idx", ["experimentId", "status", "id"])
@Index("experiment_result_experiment_updated_idx", ["experimentId", "updated"])
export class ExperimentResult extends JobColumns {
  @Field(() => Int)
  @Column({ name: "experiment_id", type: "int" })
  experimentId!: number;

  @ManyToOne(() => Experiment, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_id" })
  experiment?: Experiment;

  @Field()
  @Column({ name: "experiment_name", type: "text" })
  experimentName!: string;

  @Field()
  @Column({ name: "hyperscribe_version", type: "text" })
  hyperscribeVersion!: string;

  @Field(() => GraphQLJSON)
  @Column({ name: "hyperscribe_tags", type: "jsonb", default: {} })
  hyperscribeTags!: unknown;

  @Field(() => Int)
  @Column({ name: "case_id", type: "int" })
  caseId!: number;

  @ManyToOne(() => Case, { onDelete: "CASCADE" })
  @JoinColumn({ name: "case_id" })
  case?: Case;

  @Field()
  @Column({ name: "case_name", type: "text" })
  caseName!: string;

  @Field(() => Int, { nullable: true })
  @Column({ name: "experiment_model_id", type: "int", nullable: true })
  experimentModelId!: number | null;

  @ManyToOne(() => ExperimentModel, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "experiment_model_id" })
  experimentModel?: ExperimentModel | null;

  @Field(() => Int)
  @Column({ name: "cycle_time", type: "int", default: 0 })
  cycleTime!: number;

  @Field(() => Int)
  @Column({ name: "cycle_transcript_overlap", type: "int" })
  cycleTranscriptOverlap!: number;

  @Field(() => Int, { description: "Which of the experiment's note replications, from 1" })
  @Column({ name: "note_replication", type: "int" })
  noteReplication!: number;

  @Field(() => Int, { description: "Grades this note plans when it succeeds: its case's rubrics × grade replications" })
  @Column({ name: "planned_grades", type: "int", default: 0 })
  plannedGrades!: number;

  @Field(() => Int, { nullable: true })
  @Column({ name: "generated_note_id", type: "int", nullable: true })
  generatedNoteId!: number | null;

  @ManyToOne(() => GeneratedNote, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "generated_note_id" })
  generatedNote?: GeneratedNote | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ name: "note_json", type: "jsonb", nullable: true })
  noteJson!: unknown;
}
