import { ApiToken } from "./api-token";
import { AuditEvent } from "./audit-event";
import { Case } from "./case";
import { Experiment } from "./experiment";
import { ExperimentCase } from "./experiment-case";
import { ExperimentModel } from "./experiment-model";
import { ExperimentResult } from "./experiment-result";
import { ExperimentResultScore } from "./experiment-result-score";
import { ExperimentRun } from "./experiment-run";
import { GeneratedNote } from "./generated-note";
import { Model } from "./model";
import { Rubric } from "./rubric";
import { Score } from "./score";

export {
  ApiToken,
  AuditEvent,
  Case,
  Experiment,
  ExperimentCase,
  ExperimentModel,
  ExperimentResult,
  ExperimentResultScore,
  ExperimentRun,
  GeneratedNote,
  Model,
  Rubric,
  Score,
};

export const ENTITIES = [
  Case,
  Rubric,
  Model,
  Experiment,
  ExperimentCase,
  ExperimentModel,
  ExperimentRun,
  GeneratedNote,
  Score,
  ExperimentResult,
  ExperimentResultScore,
  ApiToken,
  AuditEvent,
];
