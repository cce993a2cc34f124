/**
 * Everything a run needs, read once when it starts: the experiment, its cases with the rubrics that
 * grade them, its model combinations with their keys. Refuses, with what to add, an experiment that
 * cannot run.
 */
import type { DataSource } from "typeorm";
import { Experiment } from "../../entities/experiment";
import type { SkippedCase } from "../../entities/experiment-run";
import { LLM_AUTHOR } from "../../entities/rubric";
import type { LlmConfig } from "../config";
import { badInput, notFound, notFoundMessage } from "../errors";
import { resolveModelName, type Criterion, type ModelSpec, type Transcript } from "../llm";
import type { PlannedCase, PlannedCombination, RunPlan } from "../runner/plan";
import { VersionError, type GeneratorRegistry, type PreparedGenerator } from "../generators";
import type { ModelService } from "./models";

/** The existing tool grades each note against at most this many human rubrics. */
export const MAX_RUBRICS_PER_NOTE = 2;

interface RubricRow {
  id: number;
  case_id: number;
  author: string;
  rubric: Criterion[];
}

/**
 * Per case, the last accepted rubric of each distinct human author (most recent by validation time),
 * newest authors first, at most MAX_RUBRICS_PER_NOTE.
 */
async function selectRubrics(db: DataSource, caseIds: number[]): Promise<Map<number, RubricRow[]>> {
  const rows: RubricRow[] = await db.query(
    `SELECT * FROM (
       SELECT DISTINCT ON (case_id, author) id, case_id, author, rubric, validation_timestamp
       FROM rubric
       WHERE case_id = ANY($1) AND validation = 'accepted' AND author != $2 AND author IS NOT NULL
       ORDER BY case_id, author, validation_timestamp DESC NULLS LAST, id DESC
     ) latest ORDER BY case_id, validation_timestamp DESC NULLS LAST, id DESC`,
    [caseIds, LLM_AUTHOR],
  );
  const byCase = new Map<number, RubricRow[]>();
  for (const row of rows) {
    const list = byCase.get(row.case_id) ?? [];
    if (list.length < MAX_RUBRICS_PER_NOTE) list.push(row);
    byCase.set(row.case_id, list);
  }
  return byCase;
}

/**
 * The experiment's generator made ready for the run. A pinned generator runs the commit recorded
 * when the experiment was created (checked again here: BAD_USER_INPUT when the repository no longer
 * has it); an experiment from before the generator was pinned has its version resolved and recorded now.
 */
async function prepareGenerator(
  db: DataSource,
  generators: GeneratorRegistry,
  experiment: Experiment,
): Promise<PreparedGenerator> {
  try {
    const generator = generators.get(experiment.generator);
    const commit = await generator.resolveVersion(experiment.generatorCommit ?? experiment.hyperscribeVersion);
    if (commit !== null && experiment.generatorCommit === null) {
      await db.query(`UPDATE experiment SET generator_commit = $2 WHERE id = $1 AND generator_commit IS NULL`, [
        experiment.id,
        commit,
      ]);
      experiment.generatorCommit = commit;
    }
    return await generator.prepare(experiment.hyperscribeVersion, commit);
  } catch (error) {
    if (error instanceof VersionError) {
      throw badInput(`Experiment ${experiment.id} cannot start: ${error.message} (generator "${experiment.generator}")`);
    }
    throw error;
  }
}

/** What a run of the experiment would work on, read without preparing its generator (estimates use it as it is). */
export type PlanInputs = Omit<RunPlan, "generator">;

export async function buildRunPlan(
  db: DataSource,
  models: ModelService,
  llm: LlmConfig,
  generators: GeneratorRegistry,
  experimentId: number,
): Promise<RunPlan> {
  const inputs = await readPlanInputs(db, models, llm, experimentId);
  const generator = await prepareGenerator(db, generators, inputs.experiment);
  return { ...inputs, generator };
}

export async function readPlanInputs(
  db: DataSource,
  models: ModelService,
  llm: LlmConfig,
  experimentId: number,
): Promise<PlanInputs> {
  const experiment = await db.getRepository(Experiment).findOneBy({ id: experimentId });
  if (!experiment) throw notFound("Experiment", experimentId);

  const caseRows: { id: number; name: string; transcript: Transcript; limited_chart: unknown; profile: string }[] =
    await db.query(
      `SELECT c.id, c.name, c.transcript, c.limited_chart, c.profile FROM "case" c
     JOIN experiment_case ec ON ec.case_id = c.id WHERE ec.experiment_id = $1 ORDER BY c.id`,
      [experimentId],
    );
  if (caseRows.length === 0) {
    throw badInput(`Experiment ${experimentId} has no cases: add eligible cases with addExperimentCases (see eligibleCases)`);
  }
  const combinationRows: {
    id: number;
    model_note_generator_id: number | null;
    model_note_grader_id: number | null;
    model_note_grader_is_reasoning: boolean;
  }[] = await db.query(`SELECT * FROM experiment_model WHERE experiment_id = $1 ORDER BY id`, [experimentId]);
  if (combinationRows.length === 0) {
    throw badInput(`Experiment ${experimentId} has no model combinations: add one with addExperimentModel`);
  }

  const combinations: PlannedCombination[] = [];
  for (const row of combinationRows) {
    const generator = row.model_note_generator_id === null ? null : await models.withKey(row.model_note_generator_id);
    const grader = row.model_note_grader_id === null ? null : await models.withKey(row.model_note_grader_id);
    if (!generator || !grader) {
      const role = generator ? "grader" : "generator";
      throw notFoundMessage(
        `Model not found: the ${role} model of combination ${row.id} was deleted; add a combination with existing models`,
      );
    }
    const generatorSpec: ModelSpec = {
      vendor: generator.vendor,
      apiKey: generator.apiKey,
      model: generator.model,
      baseUrl: generator.baseUrl,
    };
    const graderSpec: ModelSpec = {
      vendor: grader.vendor,
      apiKey: grader.apiKey,
      model: grader.model,
      baseUrl: grader.baseUrl,
      reasoning: row.model_note_grader_is_reasoning,
    };
    combinations.push({
      id: row.id,
      generator: generatorSpec,
      generatorName: resolveModelName(llm, generatorSpec),
      grader: graderSpec,
      graderName: resolveModelName(llm, graderSpec),
    });
  }

  const rubricsByCase = await selectRubrics(
    db,
    caseRows.map((c) => c.id),
  );
  const cases = new Map<number, PlannedCase>();
  const rubrics = new Map<number, Criterion[]>();
  const skipped: SkippedCase[] = [];
  for (const row of caseRows) {
    const selected = rubricsByCase.get(row.id) ?? [];
    if (selected.length === 0) {
      skipped.push({ caseId: row.id, caseName: row.name, reason: "no accepted rubric from a human author" });
      continue;
    }
    for (const r of selected) rubrics.set(r.id, r.rubric);
    cases.set(row.id, {
      id: row.id,
      name: row.name,
      transcript: row.transcript,
      limitedChart: row.limited_chart,
      profile: row.profile,
      rubricIds: selected.map((r) => r.id),
    });
  }
  if (cases.size === 0) {
    throw badInput(
      `No eligible cases: none of the ${caseRows.length} case(s) of experiment ${experimentId} has an accepted rubric from a human author; ` +
        `have reviewers accept rubrics (addRubric, validateRubric)`,
    );
  }
  return { experiment, cases, rubrics, combinations, skipped };
}
