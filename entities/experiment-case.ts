import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { CreatedColumn, UpdatedColumn } from "./columns";
import { Case } from "./case";
import { Experiment } from "./experiment";

@Entity({ name: "experiment_case" })
@Unique("experiment_case_experiment_case_key", ["experimentId", "caseId"])
export class ExperimentCase {
  @PrimaryGeneratedColumn()
  id!: number;

  @CreatedColumn()
  created!: Date;

  @UpdatedColumn()
  updated!: Date;

  @Column({ name: "experiment_id", type: "int" })
  experimentId!: number;

  @ManyToOne(() => Experiment, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_id" })
  experiment?: Experiment;

  @Column({ name: "case_id", type: "int" })
  caseId!: number;

  @ManyToOne(() => Case, { onDelete: "CASCADE" })
  @JoinColumn({ name: "case_id" })
  case?: Case;
}
