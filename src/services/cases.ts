import type { DataSource } from "typeorm";
import { In } from "typeorm";
import { Case, CaseValidationStatus } from "../../entities/case";
import { LLM_AUTHOR, Rubric, RubricValidation, type RubricCriterion } from "../../entities/rubric";
import { badInput, notFound } from "../errors";
import { assertMaxChars, assertMaxJsonBytes } from "../limits/caps";
import { assertAuthor, assertRubric, assertTranscript } from "./validation";

export interface CaseInput {
  name: string;
  transcript: unknown;
  limitedChart?: unknown;
  profile?: string;
  validationStatus?: CaseValidationStatus;
  batchIdentifier?: string;
  tags?: unknown;
}

export interface RubricInput {
  caseId: number;
  author: string;
  rubric: unknown;
  validation?: RubricValidation;
  parentRubricId?: number | null;
  comments?: string;
  textLlmVendor?: string;
  textLlmName?: string;
  temperature?: number;
}

/**
 * The rule of the existing tool's guide: a human author is any author but `llm`, and a case is
 * eligible with accepted rubrics from at least `min` distinct human authors.
 */
const HUMAN_AUTHORS_SQL = `
  SELECT case_id, COUNT(DISTINCT author)::int AS authors
  FROM rubric
  WHERE validation = 'accepted' AND author != '${LLM_AUTHOR}' AND author IS NOT NULL
  GROUP BY case_id`;

export class CaseService {
  constructor(private readonly db: DataSource) {}

  private get cases() {
    return this.db.getRepository(Case);
  }

  private get rubrics() {
    return this.db.getRepository(Rubric);
  }

  list(): Promise<Case[]> {
    return this.cases.find({ order: { id: "ASC" } });
  }

  get(id: number): Promise<Case | null> {
    return this.cases.findOneBy({ id });
  }

  async getOrThrow(id: number): Promise<Case> {
    const found = await this.get(id);
    if (!found) throw notFound("Case", id);
    return found;
  }

  /** How many distinct human authors accepted a rubric of each of these cases (0 when none). */
  async humanAuthorCounts(caseIds: number[]): Promise<Map<number, number>> {
    const rows: { case_id: number; authors: number }[] = await this.db.query(
      `SELECT * FROM (${HUMAN_AUTHORS_SQL}) a WHERE case_id = ANY($1)`,
      [caseIds],
    );
    const counts = new Map(caseIds.map((id) => [id, 0]));
    for (const row of rows) counts.set(row.case_id, row.authors);
    return counts;
  }

  async eligible(minHumanAuthors: number): Promise<Case[]> {
    if (!Number.isInteger(minHumanAuthors) || minHumanAuthors < 1) {
      throw badInput(`minHumanAuthors must be an integer >= 1, received ${minHumanAuthors}`);
    }
    const rows: { case_id: number }[] = await this.db.query(`SELECT case_id FROM (${HUMAN_AUTHORS_SQL}) a WHERE authors >= $1`, [
      minHumanAuthors,
    ]);
    if (rows.length === 0) return [];
    return this.cases.find({ where: { id: In(rows.map((r) => r.case_id)) }, order: { id: "ASC" } });
  }

  /** Creates the case, or updates the one with the same name (the existing tool's upsert). */
  async importCase(input: CaseInput): Promise<Case> {
    assertMaxChars(input.name, "name", "nameChars");
    const name = input.name.trim();
    if (name === "") throw badInput("name must not be empty");
    assertMaxJsonBytes(input.transcript, "transcript", "transcriptBytes");
    assertMaxJsonBytes(input.limitedChart, "limitedChart", "chartBytes");
    assertMaxJsonBytes(input.tags, "tags", "tagsBytes");
    assertMaxChars(input.profile, "profile", "textChars");
    assertMaxChars(input.batchIdentifier, "batchIdentifier", "nameChars");
    assertTranscript(input.transcript);
    const values = {
      name,
      transcript: input.transcript,
      limitedChart: input.limitedChart ?? {},
      profile: input.profile ?? "",
      validationStatus: input.validationStatus ?? CaseValidationStatus.generation,
      batchIdentifier: input.batchIdentifier ?? "",
      tags: input.tags ?? {},
    };
    // JSON columns are typed unknown, which TypeORM's deep-partial type cannot express
    await this.cases.upsert(values as Partial<Case> as never, { conflictPaths: ["name"], skipUpdateIfNoValuesChanged: true });
    return (await this.cases.findOneBy({ name }))!;
  }

  rubricsOf(caseId: number): Promise<Rubric[]> {
    return this.rubrics.find({ where: { caseId }, order: { id: "ASC" } });
  }

  async addRubric(input: RubricInput): Promise<Rubric> {
    assertMaxChars(input.comments, "comments", "textChars");
    assertMaxChars(input.textLlmVendor, "textLlmVendor", "nameChars");
    assertMaxChars(input.textLlmName, "textLlmName", "nameChars");
    await this.getOrThrow(input.caseId);
    assertAuthor(input.author);
    assertRubric(input.rubric);
    if (input.parentRubricId != null) {
      const parent = await this.rubrics.findOneBy({ id: input.parentRubricId });
      if (!parent) throw notFound("Parent rubric", input.parentRubricId);
      if (parent.caseId !== input.caseId) {
        throw badInput(`Parent rubric ${parent.id} belongs to case ${parent.caseId}, not case ${input.caseId}`);
      }
    }
    const validation = input.validation ?? RubricValidation.not_evaluated;
    const rubric = this.rubrics.create({
      caseId: input.caseId,
      author: input.author,
      rubric: input.rubric as RubricCriterion[],
      validation,
      validationTimestamp: validation === RubricValidation.not_evaluated ? null : new Date(),
      parentRubricId: input.parentRubricId ?? null,
      comments: input.comments ?? "",
      textLlmVendor: input.textLlmVendor ?? "",
      textLlmName: input.textLlmName ?? "",
      temperature: input.temperature ?? 0,
    });
    return this.rubrics.save(rubric);
  }

  async validateRubric(id: number, validation: RubricValidation): Promise<Rubric> {
    const rubric = await this.rubrics.findOneBy({ id });
    if (!rubric) throw notFound("Rubric", id);
    rubric.validation = validation;
    rubric.validationTimestamp = validation === RubricValidation.not_evaluated ? null : new Date();
    return this.rubrics.save(rubric);
  }

  /** Adds an LLM rubric unless the case already has one with exactly these criteria (re-imports add nothing). */
  async addLlmRubricOnce(caseId: number, criteria: unknown): Promise<Rubric> {
    assertRubric(criteria);
    const existing: { id: number }[] = await this.db.query(
      `SELECT id FROM rubric WHERE case_id = $1 AND author = $2 AND rubric = $3::jsonb LIMIT 1`,
      [caseId, LLM_AUTHOR, JSON.stringify(criteria)],
    );
    if (existing.length > 0) return (await this.rubrics.findOneBy({ id: existing[0].id }))!;
    return this.addRubric({ caseId, author: LLM_AUTHOR, rubric: criteria });
  }
}
