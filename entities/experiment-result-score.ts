import { Field, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, JoinColumn, ManyToOne, Unique } from "typeorm";
import { Experiment } from "./experiment";
import { ExperimentResult } from "./experiment-result";
import { JobColumns } from "./job-columns";
import { Rubric } from "./rubric";
import { CriterionScore, Score } from "./score";

/** One planned grade (a grade job): a note × one of its case's rubrics × grade replication. */
@ObjectType()
@Entity({ name: "experiment_result_score" })
@Unique("experiment_result_score_job_key", ["experimentResultId", "rubricId", "gradeReplication"])
@Index("experiment_result_score_experiment_status_idx", ["experimentId", "status", "id"])
export class ExperimentResultScore extends JobColumns {
  @Field(() => Int)
  @Column({ name: "experiment_result_id", type: "int" })
  experimentResultId!: number;

  @ManyToOne(() => ExperimentResult, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_result_id" })
  experimentResult?: ExperimentResult;

  /** Copied from the note job so that progress needs no join. */
  @Field(() => Int)
  @Column({ name: "experiment_id", type: "int" })
  experimentId!: number;

  @ManyToOne(() => Experiment, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_id" })
  experiment?: Experiment;

  @Field(() => Int)
  @Column({ name: "rubric_id", type: "int" })
  rubricId!: number;

  @ManyToOne(() => Rubric, { onDelete: "CASCADE" })
  @JoinColumn({ name: "rubric_id" })
  rubric?: Rubric;

  @Field(() => Int, { description: "Which of the experiment's grade replications, from 1" })
  @Column({ name: "grade_replication", type: "int" })
  gradeReplication!: number;

  /**
   * The grade's per-criterion values, the same array as score.scoring_result ({id, rationale,
   * satisfaction, score} per criterion), copied here as the existing tool does; [] until graded.
   */
  @Field(() => [CriterionScore], { description: "Per-criterion grades, as in score.scoringResult; [] until graded" })
  @Column({ name: "scoring_result", type: "jsonb", default: [] })
  scoringResult!: CriterionScore[];

  @Field(() => Int, { nullable: true })
  @Column({ name: "score_id", type: "int", nullable: true })
  scoreId!: number | null;

  @ManyToOne(() => Score, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "score_id" })
  score?: Score | null;
}
