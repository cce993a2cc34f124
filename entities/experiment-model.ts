import { Field, Int, ObjectType } from "type-graphql";
import { Column, Entity, JoinColumn, ManyToOne, Unique } from "typeorm";
import { BaseRow } from "./base-row";
import { Experiment } from "./experiment";
import { Model } from "./model";

/**
 * One model combination of an experiment: a generator, a grader, and whether the grader reasons.
 * A deleted model leaves its id null here, and a run of the experiment is refused until it is replaced.
 */
@ObjectType()
@Entity({ name: "experiment_model" })
@Unique("experiment_model_combination_key", [
  "experimentId",
  "modelNoteGeneratorId",
  "modelNoteGraderId",
  "modelNoteGraderIsReasoning",
])
export class ExperimentModel extends BaseRow {
  @Field(() => Int)
  @Column({ name: "experiment_id", type: "int" })
  experimentId!: number;

  @ManyToOne(() => Experiment, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_id" })
  experiment?: Experiment;

  @Field(() => Int, { nullable: true })
  @Column({ name: "model_note_generator_id", type: "int", nullable: true })
  modelNoteGeneratorId!: number | null;

  @ManyToOne(() => Model, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "model_note_generator_id" })
  modelNoteGenerator?: Model | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: "model_note_grader_id", type: "int", nullable: true })
  modelNoteGraderId!: number | null;

  @ManyToOne(() => Model, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "model_note_grader_id" })
  modelNoteGrader?: Model | null;

  @Field()
  @Column({ name: "model_note_grader_is_reasoning", type: "boolean", default: false })
  modelNoteGraderIsReasoning!: boolean;
}
