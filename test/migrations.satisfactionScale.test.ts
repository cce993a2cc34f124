import type { DataSource } from "typeorm";
import { SatisfactionScale1795794004757 } from "../migrations/1795794004757-satisfaction-scale";
import { openDatabase } from "../src/db/data-source";
import { RUBRIC } from "./support/fixtures";
import { createTestDatabase } from "./support/database";

describe("migration SatisfactionScale", () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await openDatabase({ url: await createTestDatabase(), poolSize: 2 });
  });
  afterAll(() => db.destroy());

  test("flips the negative criteria of a grade-v1 grade to the existing tool's scale and keeps every score", async () => {
    const [{ id: caseId }] = await db.query(`INSERT INTO "case" (name, transcript) VALUES ('m', '[]') RETURNING id`);
    const [{ id: rubricId }] = await db.query(
      `INSERT INTO rubric (case_id, author, rubric) VALUES ($1, 'a@example.com', $2) RETURNING id`,
      [caseId, JSON.stringify(RUBRIC)],
    );
    const [{ id: noteId }] = await db.query(`INSERT INTO generated_note (case_id) VALUES ($1) RETURNING id`, [caseId]);
    // grade-v1: the penalty (weight 10) had satisfaction 30 = "the fault is 30 % present", score −3
    const old = [
      { id: 0, rationale: "r0", satisfaction: 80, score: 16 },
      { id: 1, rationale: "r1", satisfaction: 50, score: 15 },
      { id: 2, rationale: "r2", satisfaction: 30, score: -3 },
    ];
    await db.query(
      `INSERT INTO score (rubric_id, generated_note_id, scoring_result, overall_score, prompt_version) VALUES ($1, $2, $3, 28, 'grade-v1')`,
      [rubricId, noteId, JSON.stringify(old)],
    );
    const runner = db.createQueryRunner();
    try {
      await new SatisfactionScale1795794004757().up(runner);
    } finally {
      await runner.release();
    }
    const [row] = await db.query(`SELECT scoring_result, overall_score FROM score`);
    expect(row.scoring_result).toEqual([old[0], old[1], { id: 2, rationale: "r2", satisfaction: 70, score: -3 }]);
    expect(row.overall_score).toBe(28);
    // the new scale's formula gives the stored score back: −10 × (100 − 70) / 100 = −3
    expect((-10 * (100 - row.scoring_result[2].satisfaction)) / 100).toBe(-3);
  });
});
