import { Column, Entity, JoinColumn, ManyToOne, Unique } from "typeorm";
import { BaseRow } from "./base-row";
import { Case } from "./case";
import { Experiment } from "./experiment";

@Entity({ name: "experiment_case" })
@Unique("experiment_case_experiment_case_key", ["experimentId", "caseId"])
export class ExperimentCase extends BaseRow {
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
