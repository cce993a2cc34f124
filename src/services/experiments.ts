import type { DataSource, EntityManager } from "typeorm";
import { In } from "typeorm";
import { Case } from "../../entities/case";
import { Experiment } from "../../entities/experiment";
import { ExperimentCase } from "../../entities/experiment-case";
import { ExperimentModel } from "../../entities/experiment-model";
import { ExperimentRun } from "../../entities/experiment-run";
import { badInput, conflict, notFound, notFoundMany } from "../errors";
import { assertMaxChars, assertMaxItems, assertMaxValue } from "../limits/caps";
import { BUILTIN_NAME, VersionError, type GeneratorRegistry } from "../generators";
import type { CaseService } from "./cases";
import type { ModelService } from "./models";

export interface ExperimentInput {
  name: string;
  /** A generator name from the operator's generators file; `builtin` when omitted. */
  generator?: string;
  hyperscribeVersion: string;
  cycleTimes?: number[];
  cycleTranscriptOverlaps: number[];
  noteReplications: number;
  gradeReplications: number;
}

export interface ExperimentModelInput {
  experimentId: number;
  modelNoteGeneratorId: number;
  modelNoteGraderId: number;
  modelNoteGraderIsReasoning?: boolean;
}

/** What cloneExperiment may change; everything else is copied. */
export type ExperimentChanges = Partial<Omit<ExperimentInput, "name">>;

export const MIN_HUMAN_AUTHORS = 2;

/** The generator of an experiment created without one: the project's own LLM pipeline. */
export const DEFAULT_GENERATOR = BUILTIN_NAME;

/** The settings that decide what a note job is: fixed once the experiment has planned jobs. */
const FIXED_SETTINGS = [
  "generator",
  "hyperscribeVersion",
  "cycleTimes",
  "cycleTranscriptOverlaps",
  "noteReplications",
  "gradeReplications",
] as const;
type FixedSettings = Pick<Experiment, (typeof FIXED_SETTINGS)[number]>;

function settingsOf(input: ExperimentInput): FixedSettings {
  return {
    generator: (input.generator ?? DEFAULT_GENERATOR).trim(),
    hyperscribeVersion: input.hyperscribeVersion.trim(),
    cycleTimes: input.cycleTimes ?? [],
    cycleTranscriptOverlaps: input.cycleTranscriptOverlaps,
    noteReplications: input.noteReplications,
    gradeReplications: input.gradeReplications,
  };
}

/** The fixed settings that differ, as `name: old → new` for a message. */
function changedSettings(current: FixedSettings, wanted: FixedSettings): string[] {
  return FIXED_SETTINGS.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(wanted[key])).map(
    (key) => `${key} ${JSON.stringify(current[key])} → ${JSON.stringify(wanted[key])}`,
  );
}

function assertSettings(input: ExperimentInput): void {
  assertMaxChars(input.name, "name", "nameChars");
  assertMaxChars(input.hyperscribeVersion, "hyperscribeVersion", "nameChars");
  assertMaxChars(input.generator, "generator", "nameChars");
  assertMaxValue(input.noteReplications, "noteReplications", "noteReplications");
  assertMaxValue(input.gradeReplications, "gradeReplications", "gradeReplications");
  assertMaxItems(input.cycleTranscriptOverlaps, "cycleTranscriptOverlaps", "overlapsPerExperiment");
  assertMaxItems(input.cycleTimes, "cycleTimes", "cycleTimesPerExperiment");
  for (const words of [...input.cycleTranscriptOverlaps, ...(input.cycleTimes ?? [])]) {
    assertMaxValue(words, "a value of cycleTranscriptOverlaps or cycleTimes", "overlapWords");
  }
  if (input.name.trim() === "") throw badInput("name must not be empty");
  if (input.hyperscribeVersion.trim() === "")
    throw badInput("hyperscribeVersion must not be empty (e.g. the generator's commit hash)");
  if (!Number.isInteger(input.noteReplications) || input.noteReplications < 1) {
    throw badInput(`noteReplications must be at least 1, received ${input.noteReplications}`);
  }
  if (!Number.isInteger(input.gradeReplications) || input.gradeReplications < 1) {
    throw badInput(`gradeReplications must be at least 1, received ${input.gradeReplications}`);
  }
  if (input.cycleTranscriptOverlaps.length === 0)
    throw badInput("cycleTranscriptOverlaps must hold at least one value, usually [100]");
  if (input.cycleTranscriptOverlaps.some((o) => !Number.isInteger(o) || o < 0)) {
    throw badInput("cycleTranscriptOverlaps must be whole numbers of words >= 0");
  }
  if (new Set(input.cycleTranscriptOverlaps).size !== input.cycleTranscriptOverlaps.length) {
    throw badInput("cycleTranscriptOverlaps must not repeat a value");
  }
  if ((input.cycleTimes ?? []).some((t) => !Number.isInteger(t) || t < 0))
    throw badInput("cycleTimes must be whole numbers >= 0");
}

/** Note jobs planned for the experiment (any state): once there is one, its settings are fixed. */
async function plannedJobCount(db: Pick<EntityManager, "query">, experimentId: number): Promise<number> {
  const [row]: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM experiment_result WHERE experiment_id = $1`, [
    experimentId,
  ]);
  return row.n;
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
}

export class ExperimentService {
  constructor(
    private readonly db: DataSource,
    private readonly cases: CaseService,
    private readonly models: ModelService,
    private readonly generators: GeneratorRegistry,
  ) {}

  private get experiments() {
    return this.db.getRepository(Experiment);
  }

  list(): Promise<Experiment[]> {
    return this.experiments.find({ order: { id: "ASC" } });
  }

  get(id: number): Promise<Experiment | null> {
    return this.experiments.findOneBy({ id });
  }

  async getOrThrow(id: number): Promise<Experiment> {
    const found = await this.get(id);
    if (!found) throw notFound("Experiment", id);
    return found;
  }

  /**
   * Creates the experiment, or updates the settings of the one with that name (the existing tool's
   * upsert) while it has no planned job. Once jobs are planned its results belong to those settings:
   * the same settings again return it unchanged, different ones are CONFLICT (clone it instead).
   */
  async createOrUpdate(input: ExperimentInput): Promise<Experiment> {
    assertSettings(input);
    const name = input.name.trim();
    const wanted = settingsOf(input);
    const generatorCommit = await this.resolveVersion(wanted.generator, wanted.hyperscribeVersion);
    return this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Experiment);
      await repo
        .createQueryBuilder()
        .insert()
        .values({ name, ...wanted, generatorCommit })
        .orIgnore()
        .execute();
      // The row lock makes two concurrent updates of one experiment take turns.
      const existing = (await repo
        .createQueryBuilder("e")
        .setLock("pessimistic_write")
        .where("e.name = :name", { name })
        .getOne())!;
      const changes = changedSettings(existing, wanted);
      if (changes.length === 0) return existing;
      const planned = await plannedJobCount(tx, existing.id);
      if (planned > 0) {
        throw conflict(
          `Experiment "${name}" (id ${existing.id}) already has ${planned} planned note job(s), so its settings are fixed ` +
            `(asked to change ${changes.join(", ")}). To measure other settings, clone it: ` +
            `cloneExperiment(experimentId: ${existing.id}, name: "<new name>", changes: {...}), or create it under a new name. ` +
            `Adding cases or model combinations stays allowed.`,
          { experimentId: existing.id, changed: changes },
        );
      }
      await repo.update({ id: existing.id }, { ...wanted, generatorCommit });
      return (await repo.findOneBy({ id: existing.id }))!;
    });
  }

  /**
   * A new experiment with the source's settings except `changes`, and the same cases and model
   * combinations: the usual "same experiment, next version" step. The new name must be free.
   */
  async clone(experimentId: number, name: string, changes: ExperimentChanges): Promise<Experiment> {
    const source = await this.getOrThrow(experimentId);
    const input: ExperimentInput = {
      generator: source.generator,
      hyperscribeVersion: source.hyperscribeVersion,
      cycleTimes: source.cycleTimes,
      cycleTranscriptOverlaps: source.cycleTranscriptOverlaps,
      noteReplications: source.noteReplications,
      gradeReplications: source.gradeReplications,
      ...definedOnly(changes),
      name,
    };
    assertSettings(input);
    const settings = settingsOf(input);
    const generatorCommit = await this.resolveVersion(settings.generator, settings.hyperscribeVersion);
    const trimmed = name.trim();
    return this.db.transaction(async (tx) => {
      const inserted = await tx
        .getRepository(Experiment)
        .createQueryBuilder()
        .insert()
        .values({ name: trimmed, ...settings, generatorCommit })
        .orIgnore()
        .returning("id")
        .execute();
      const id = inserted.raw[0]?.id as number | undefined;
      if (id === undefined) {
        throw conflict(`An experiment named "${trimmed}" already exists: choose another name for the clone`);
      }
      await tx.query(
        `INSERT INTO experiment_case (experiment_id, case_id) SELECT $1, case_id FROM experiment_case WHERE experiment_id = $2 ORDER BY id`,
        [id, experimentId],
      );
      await tx.query(
        `INSERT INTO experiment_model (experiment_id, model_note_generator_id, model_note_grader_id, model_note_grader_is_reasoning)
         SELECT $1, model_note_generator_id, model_note_grader_id, model_note_grader_is_reasoning
         FROM experiment_model WHERE experiment_id = $2 ORDER BY id`,
        [id, experimentId],
      );
      return (await tx.getRepository(Experiment).findOneBy({ id }))!;
    });
  }

  /**
   * The full commit `version` names for a generator with a repository (null for the others, whose
   * versions are labels). An unknown generator or a version that is no commit is BAD_USER_INPUT.
   */
  async resolveVersion(generator: string, version: string): Promise<string | null> {
    try {
      return await this.generators.get(generator).resolveVersion(version);
    } catch (error) {
      if (error instanceof VersionError) throw badInput(`${error.message} (generator "${generator}")`);
      throw error;
    }
  }

  /**
   * Adds the cases (idempotently). A case without accepted rubrics from two human authors is refused,
   * naming it and why, unless allowIneligible: such a case is kept but skipped by runs.
   */
  async addCases(experimentId: number, caseIds: number[], allowIneligible = false): Promise<Experiment> {
    assertMaxItems(caseIds, "caseIds", "idsPerCall");
    const experiment = await this.getOrThrow(experimentId);
    const unique = [...new Set(caseIds)];
    if (unique.length === 0) throw badInput("caseIds must name at least one case");
    const found = await this.db.getRepository(Case).findBy({ id: In(unique) });
    const missing = unique.filter((id) => !found.some((c) => c.id === id));
    if (missing.length > 0) throw notFoundMany("Case", "Cases", missing);
    if (!allowIneligible) {
      const counts = await this.cases.humanAuthorCounts(unique);
      const ineligible = found.filter((c) => (counts.get(c.id) ?? 0) < MIN_HUMAN_AUTHORS);
      if (ineligible.length > 0) {
        const why = ineligible
          .slice(0, 5)
          .map((c) => `case ${c.id} (${c.name}) has accepted rubrics from ${counts.get(c.id)} human author(s)`)
          .join("; ");
        throw badInput(
          `Not eligible: ${why}${ineligible.length > 5 ? ` and ${ineligible.length - 5} more` : ""}. ` +
            `An experiment takes cases with accepted rubrics from ${MIN_HUMAN_AUTHORS} different human authors; ` +
            `have reviewers accept rubrics, or pass allowIneligible: true (runs then skip those cases).`,
          { ineligibleCaseIds: ineligible.map((c) => c.id) },
        );
      }
    }
    await this.db
      .createQueryBuilder()
      .insert()
      .into(ExperimentCase)
      .values(unique.map((caseId) => ({ experimentId, caseId })))
      .orIgnore()
      .execute();
    return experiment;
  }

  async addModel(input: ExperimentModelInput): Promise<ExperimentModel> {
    await this.getOrThrow(input.experimentId);
    await this.models.getOrThrow(input.modelNoteGeneratorId);
    await this.models.getOrThrow(input.modelNoteGraderId);
    const reasoning = input.modelNoteGraderIsReasoning ?? false;
    // Adding the same combination twice returns the first one (the unique key ignores the second insert).
    const rows: { id: number }[] = await this.db.query(
      `INSERT INTO experiment_model (experiment_id, model_note_generator_id, model_note_grader_id, model_note_grader_is_reasoning)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT experiment_model_combination_key DO UPDATE SET updated = experiment_model.updated
       RETURNING id`,
      [input.experimentId, input.modelNoteGeneratorId, input.modelNoteGraderId, reasoning],
    );
    return (await this.db.getRepository(ExperimentModel).findOneBy({ id: rows[0].id }))!;
  }

  casesOf(experimentId: number): Promise<Case[]> {
    return this.db
      .getRepository(Case)
      .createQueryBuilder("c")
      .innerJoin(ExperimentCase, "ec", "ec.case_id = c.id")
      .where("ec.experiment_id = :experimentId", { experimentId })
      .orderBy("c.id", "ASC")
      .getMany();
  }

  modelsOf(experimentId: number): Promise<ExperimentModel[]> {
    return this.db.getRepository(ExperimentModel).find({ where: { experimentId }, order: { id: "ASC" } });
  }

  runsOf(experimentId: number): Promise<ExperimentRun[]> {
    return this.db.getRepository(ExperimentRun).find({ where: { experimentId }, order: { id: "DESC" } });
  }
}
